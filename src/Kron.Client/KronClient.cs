using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Kron.Protocol;

namespace Kron.Client;

/// <summary>
/// A typed client for Kron's REST API v1 (<c>spec/api.md</c>) over an <see cref="HttpClient"/>. Error answers throw
/// <see cref="KronApiException"/> with the server's problem details; a server that cannot be reached throws
/// <see cref="KronServerUnreachableException"/>. Safe to share between threads, like the <see cref="HttpClient"/>.
/// </summary>
public sealed class KronClient : IDisposable
{
    private static readonly MediaTypeWithQualityHeaderValue AcceptJson = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue AcceptProblem = new("application/problem+json");

    // Requests use the contract's settings as they are. Answers are read tolerantly: the contract may grow fields
    // ("add to it where users need more"), and an older client must keep working against a newer server.
    private static readonly JsonSerializerOptions ReadOptions = CreateReadOptions();

    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;

    /// <summary>Creates a client over <paramref name="httpClient"/>, whose <see cref="HttpClient.BaseAddress"/> is the server.</summary>
    /// <param name="httpClient">
    /// A client with <see cref="HttpClient.BaseAddress"/> set, such as <c>http://127.0.0.1:7070/</c>; authentication
    /// headers, timeouts and handlers are the caller's to configure. It is not disposed with this client.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="httpClient"/> has no base address.</exception>
    public KronClient(HttpClient httpClient)
        : this(httpClient, ownsHttpClient: false)
    {
    }

    private KronClient(HttpClient httpClient, bool ownsHttpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        var baseAddress = httpClient.BaseAddress
            ?? throw new ArgumentException("the HttpClient needs a BaseAddress, such as http://127.0.0.1:7070/", nameof(httpClient));
        // Relative paths resolve below a base path ("http://host/kron/") only when it ends with a slash.
        BaseAddress = baseAddress.AbsolutePath.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _http = httpClient;
        _ownsHttpClient = ownsHttpClient;
    }

    /// <summary>The server's base address; request paths such as <c>v1/jobs</c> are resolved against it.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Creates a client for the server at <paramref name="baseUrl"/> with its own <see cref="HttpClient"/>.</summary>
    /// <param name="baseUrl">An absolute <c>http</c> or <c>https</c> URL, such as <c>http://127.0.0.1:7070</c>.</param>
    /// <param name="bearerToken">Sent as <c>Authorization: Bearer</c> on every request when not empty.</param>
    /// <returns>A client that disposes its <see cref="HttpClient"/> when disposed.</returns>
    /// <exception cref="ArgumentException"><paramref name="baseUrl"/> is not an absolute http or https URL.</exception>
    public static KronClient Create(string baseUrl, string? bearerToken = null)
    {
        if (!TryParseBaseUrl(baseUrl, out var baseAddress, out var error))
        {
            throw new ArgumentException(error, nameof(baseUrl));
        }

        var http = new HttpClient { BaseAddress = baseAddress };
        if (!string.IsNullOrEmpty(bearerToken))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return new KronClient(http, ownsHttpClient: true);
    }

    /// <summary>Checks that <paramref name="text"/> is an absolute <c>http</c> or <c>https</c> URL without a query.</summary>
    /// <param name="text">The URL to check.</param>
    /// <param name="baseAddress">The parsed address when valid.</param>
    /// <param name="error">What is wrong with it when not.</param>
    /// <returns>Whether <paramref name="text"/> can be a base address.</returns>
    public static bool TryParseBaseUrl(string? text, [NotNullWhen(true)] out Uri? baseAddress, [NotNullWhen(false)] out string? error)
    {
        if (Uri.TryCreate(text?.Trim(), UriKind.Absolute, out baseAddress)
            && (baseAddress.Scheme == Uri.UriSchemeHttp || baseAddress.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(baseAddress.Query) && string.IsNullOrEmpty(baseAddress.Fragment))
        {
            error = null;
            return true;
        }

        baseAddress = null;
        error = $"\"{text}\" is not a server URL; write it like http://127.0.0.1:7070 or https://kron.example.com";
        return false;
    }

    /// <summary><c>POST /v1/jobs</c>: registers a job, or returns the existing one when its key and body repeat.</summary>
    /// <param name="request">The job to register.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job and whether it was created (<c>201</c>) or already existed (<c>200</c>).</returns>
    /// <exception cref="KronApiException">Invalid input (<c>400</c>/<c>422</c>), the key repeats with another body (<c>409</c>), the payload is too large (<c>413</c>), or a server error.</exception>
    public async Task<JobCreateResult> CreateJobAsync(JobCreateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var response = await SendAsync(HttpMethod.Post, "v1/jobs", JsonBody(request), cancellationToken).ConfigureAwait(false);
        var job = await ReadAsync<JobResponse>(response, cancellationToken).ConfigureAwait(false);
        return new JobCreateResult(job, response.StatusCode == HttpStatusCode.Created);
    }

    /// <summary><c>POST /v1/jobs/batch</c>: registers up to 1,000 jobs in one request and one transaction.</summary>
    /// <param name="jobs">The jobs, each as for <see cref="CreateJobAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>One item per job, in order, with the status a single registration would have had.</returns>
    /// <exception cref="KronApiException">The batch itself was refused (empty, over 1,000 jobs, unreadable), or a server error.</exception>
    public Task<JobBatchResponse> CreateJobsAsync(IReadOnlyList<JobCreateRequest> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return SendForAsync<JobBatchResponse>(HttpMethod.Post, "v1/jobs/batch", JsonBody(new JobBatchRequest { Jobs = jobs }), cancellationToken);
    }

    /// <summary><c>GET /v1/jobs/{id}</c>: one job with its next fire time and last run.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job.</returns>
    /// <exception cref="KronApiException">With <see cref="HttpStatusCode.NotFound"/> when there is no such job.</exception>
    public Task<JobResponse> GetJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendForAsync<JobResponse>(HttpMethod.Get, JobPath(jobId), null, cancellationToken);

    /// <summary><c>GET /v1/jobs</c>: one page of jobs, newest first.</summary>
    /// <param name="tag">Only jobs with this tag.</param>
    /// <param name="state">Only jobs in this state.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; <see langword="null"/> for the first.</param>
    /// <param name="limit">The largest page wanted; the server caps it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page; its <see cref="Page{T}.NextCursor"/> is <see langword="null"/> on the last one.</returns>
    public Task<Page<JobResponse>> ListJobsAsync(string? tag = null, string? state = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        SendForAsync<Page<JobResponse>>(HttpMethod.Get, WithQuery("v1/jobs", ("tag", tag), ("state", state), ("cursor", cursor), ("limit", Format(limit))), null, cancellationToken);

    /// <summary><c>PATCH /v1/jobs/{id}</c>: changes the fields that are set in <paramref name="request"/>.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="request">The fields to change.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The changed job, with <c>next_fire_at</c> recomputed.</returns>
    public Task<JobResponse> PatchJobAsync(string jobId, JobPatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendForAsync<JobResponse>(HttpMethod.Patch, JobPath(jobId), JsonBody(request), cancellationToken);
    }

    /// <summary><c>DELETE /v1/jobs/{id}</c>: stops scheduling the job; running runs finish and history stays.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the server has deleted the job.</returns>
    public async Task DeleteJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, JobPath(jobId), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>POST /v1/jobs/{id}/pause</c>: stops firing the job until it is resumed.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The paused job.</returns>
    public Task<JobResponse> PauseJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendForAsync<JobResponse>(HttpMethod.Post, JobPath(jobId) + "/pause", null, cancellationToken);

    /// <summary><c>POST /v1/jobs/{id}/resume</c>: fires the job on its schedule again.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The resumed job, with its next fire time.</returns>
    public Task<JobResponse> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendForAsync<JobResponse>(HttpMethod.Post, JobPath(jobId) + "/resume", null, cancellationToken);

    /// <summary><c>POST /v1/jobs/{id}/trigger</c>: runs the job now, once, outside its schedule.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new run.</returns>
    public Task<RunResponse> TriggerJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        TriggerJobAsync(jobId, force: false, cancellationToken);

    /// <summary><c>POST /v1/jobs/{id}/trigger</c>: runs the job now, once, outside its schedule.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="force">Run even when the job's concurrency policy (<c>forbid</c>, <c>max_concurrent</c>) would refuse.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new run.</returns>
    /// <exception cref="KronApiException">With <see cref="HttpStatusCode.Conflict"/> when the concurrency policy refuses without <paramref name="force"/>.</exception>
    public Task<RunResponse> TriggerJobAsync(string jobId, bool force, CancellationToken cancellationToken = default) =>
        SendForAsync<RunResponse>(HttpMethod.Post, WithQuery(JobPath(jobId) + "/trigger", ("force", force ? "true" : null)), null, cancellationToken);

    /// <summary><c>POST /v1/runs/{id}/retry</c>: puts a dead, failed, lost or cancelled run back in the queue for another attempt.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The run, queued again.</returns>
    /// <exception cref="KronApiException">With <see cref="HttpStatusCode.Conflict"/> when the run is not in a state that can be retried.</exception>
    public Task<RunResponse> RetryRunAsync(string runId, CancellationToken cancellationToken = default) =>
        SendForAsync<RunResponse>(HttpMethod.Post, RunPath(runId) + "/retry", null, cancellationToken);

    /// <summary><c>POST /v1/runs/{id}/cancel</c>: cancels a queued run, or asks a running one to stop.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The run: <c>cancelled</c>, or still running with <see cref="RunResponse.CancelRequested"/> set while it stops.</returns>
    /// <exception cref="KronApiException">With <see cref="HttpStatusCode.Conflict"/> when the run has already finished.</exception>
    public Task<RunResponse> CancelRunAsync(string runId, CancellationToken cancellationToken = default) =>
        SendForAsync<RunResponse>(HttpMethod.Post, RunPath(runId) + "/cancel", null, cancellationToken);

    /// <summary><c>POST /v1/runs/retry</c>: puts finished runs that match the filters back in the queue.</summary>
    /// <param name="request">The filters; at least one of job, tag, from and to is required.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>How many runs were redriven, and their ids.</returns>
    /// <exception cref="KronApiException">With <see cref="HttpStatusCode.BadRequest"/> when no filter is given.</exception>
    public Task<RedriveResponse> RedriveRunsAsync(RedriveRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendForAsync<RedriveResponse>(HttpMethod.Post, "v1/runs/retry", JsonBody(request), cancellationToken);
    }

    /// <summary><c>GET /v1/runs/{id}</c>: one run with its outcome and output tail.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The run.</returns>
    /// <exception cref="KronApiException">With <see cref="HttpStatusCode.NotFound"/> when there is no such run.</exception>
    public Task<RunResponse> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        SendForAsync<RunResponse>(HttpMethod.Get, RunPath(runId), null, cancellationToken);

    /// <summary>
    /// One page of runs, newest first: the history of one job (<c>GET /v1/jobs/{id}/runs</c>) when
    /// <paramref name="jobId"/> is set, otherwise of all jobs (<c>GET /v1/runs</c>).
    /// </summary>
    /// <param name="jobId">Only runs of this job.</param>
    /// <param name="state">Only runs in this state, such as <c>dead</c>.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; <see langword="null"/> for the first.</param>
    /// <param name="limit">The largest page wanted; the server caps it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page; its <see cref="Page{T}.NextCursor"/> is <see langword="null"/> on the last one.</returns>
    public Task<Page<RunResponse>> ListRunsAsync(string? jobId = null, string? state = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var path = jobId is null ? "v1/runs" : JobPath(jobId) + "/runs";
        return SendForAsync<Page<RunResponse>>(HttpMethod.Get, WithQuery(path, ("state", state), ("cursor", cursor), ("limit", Format(limit))), null, cancellationToken);
    }

    /// <summary><c>GET /v1/cron/next</c>: previews the next occurrences of a cron expression on the server.</summary>
    /// <param name="expression">The cron expression, such as <c>0 3 * * *</c>.</param>
    /// <param name="timeZone">IANA zone the fields are matched in; the server's default is <c>UTC</c>.</param>
    /// <param name="after">The start instant (exclusive); the server's default is now.</param>
    /// <param name="count">How many occurrences to return.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The occurrences, in order.</returns>
    public Task<CronNextResponse> CronNextAsync(string expression, string? timeZone = null, DateTimeOffset? after = null, int? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        var afterText = after?.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
        return SendForAsync<CronNextResponse>(
            HttpMethod.Get,
            WithQuery("v1/cron/next", ("expr", expression), ("time_zone", timeZone), ("after", afterText), ("count", Format(count))),
            null,
            cancellationToken);
    }

    /// <summary>The cluster's nodes and shard map (<c>GET /v1/cluster</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The nodes, each with its heartbeat and shard count, and every shard's owner and epoch.</returns>
    public Task<ClusterResponse> GetClusterAsync(CancellationToken cancellationToken = default) =>
        SendForAsync<ClusterResponse>(HttpMethod.Get, "v1/cluster", null, cancellationToken);

    /// <summary>
    /// <c>POST /v1/workers/lease</c>: leases up to <see cref="LeaseRequest.Max"/> ready runs of the worker's queues,
    /// highest priority first, then oldest slot. The call long-polls: the server answers as soon as a run is leased, or
    /// with no runs once <see cref="LeaseRequest.Wait"/> (default 20 s, at most 60 s) has passed.
    /// </summary>
    /// <remarks>
    /// A long poll must not outlast the <see cref="HttpClient.Timeout"/> (100 s by default). When the caller's client
    /// has a shorter timeout, the wait sent to the server is shortened so that the answer arrives
    /// <see cref="LeaseTimeoutMargin"/> before the client would give up: a long poll never ends in a client timeout, it
    /// only polls more often. Give workers an <see cref="HttpClient"/> whose timeout exceeds the wait by that margin
    /// (or <see cref="Timeout.InfiniteTimeSpan"/> with a per-call <paramref name="cancellationToken"/>).
    /// </remarks>
    /// <param name="request">The worker, its queues, how many runs and how long to wait.</param>
    /// <param name="cancellationToken">Cancels the request; runs the server leased meanwhile are rescued when their lease expires.</param>
    /// <returns>The leased runs, each with the lease token its heartbeats and completion must send; empty when none became ready.</returns>
    /// <exception cref="KronApiException">Invalid input (<c>400</c>), or a server error.</exception>
    public Task<LeaseResponse> LeaseAsync(LeaseRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fitted = request with { Wait = FitLeaseWait(request.Wait ?? DefaultLeaseWait, _http.Timeout) };
        return SendForAsync<LeaseResponse>(HttpMethod.Post, "v1/workers/lease", JsonBody(fitted), cancellationToken);
    }

    /// <summary>
    /// <c>POST /v1/runs/{id}/heartbeat</c>: extends the lease of a leased run and tells whether it should stop.
    /// </summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="leaseToken">The <see cref="LeasedRun.LeaseToken"/> of the lease.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new expiry, and <see cref="HeartbeatResponse.CancelRequested"/> when the run was cancelled or replaced.</returns>
    /// <exception cref="KronApiException">
    /// With <see cref="HttpStatusCode.Conflict"/> when the lease is lost (the token is stale: the run was rescued, or a
    /// newer attempt owns it): stop the work and do not complete it. With <see cref="HttpStatusCode.NotFound"/> when
    /// there is no such run.
    /// </exception>
    public Task<HeartbeatResponse> HeartbeatAsync(string runId, string leaseToken, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(leaseToken);
        return SendForAsync<HeartbeatResponse>(HttpMethod.Post, RunPath(runId) + "/heartbeat", JsonBody(new HeartbeatRequest { LeaseToken = leaseToken }), cancellationToken);
    }

    /// <summary>
    /// <c>POST /v1/runs/{id}/complete</c>: reports the outcome of a leased attempt: <c>succeeded</c>, <c>failed</c>
    /// (retried with backoff, or dead with <see cref="CompleteRequest.Retry"/> = false), <c>snoozed</c> (queued again
    /// with the same attempt) or <c>cancelled</c>.
    /// </summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="request">The lease token and the outcome.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The run after completion.</returns>
    /// <exception cref="KronApiException">
    /// With <see cref="HttpStatusCode.Conflict"/> when the lease is lost (stale token): the outcome was not recorded,
    /// and another attempt owns the run. <c>400</c> for an invalid outcome, <c>404</c> for an unknown run.
    /// </exception>
    public Task<RunResponse> CompleteAsync(string runId, CompleteRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendForAsync<RunResponse>(HttpMethod.Post, RunPath(runId) + "/complete", JsonBody(request), cancellationToken);
    }

    /// <summary><c>GET /v1/workers</c>: the workers seen recently and the runs each holds.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The workers.</returns>
    public Task<WorkersResponse> ListWorkersAsync(CancellationToken cancellationToken = default) =>
        SendForAsync<WorkersResponse>(HttpMethod.Get, "v1/workers", null, cancellationToken);

    /// <summary><c>GET /v1/queues</c>: every queue with its depth, its leased runs and its limit.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The queues.</returns>
    public Task<QueuesResponse> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        SendForAsync<QueuesResponse>(HttpMethod.Get, "v1/queues", null, cancellationToken);

    /// <summary><c>PUT /v1/queues/{name}</c>: sets or clears the limit on runs of a queue leased at once, across all workers.</summary>
    /// <param name="name">The queue's name.</param>
    /// <param name="maxLeased">At most this many runs leased at once (1 to 100,000), or <see langword="null"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The queue with its new limit.</returns>
    /// <exception cref="KronApiException">With <see cref="HttpStatusCode.BadRequest"/> when the limit is out of range.</exception>
    public Task<QueueResponse> SetQueueLimitAsync(string name, int? maxLeased, CancellationToken cancellationToken = default) =>
        SendForAsync<QueueResponse>(HttpMethod.Put, "v1/queues/" + Escape(name, nameof(name)), JsonBody(new QueueUpdateRequest { MaxLeased = maxLeased }), cancellationToken);

    /// <summary>
    /// The wait a lease call sends: <paramref name="wait"/>, shortened so that the server answers at least
    /// <see cref="LeaseTimeoutMargin"/> before <paramref name="httpTimeout"/> runs out (zero when the timeout is shorter
    /// than the margin).
    /// </summary>
    /// <param name="wait">The wait asked for.</param>
    /// <param name="httpTimeout">The <see cref="HttpClient.Timeout"/> of the client that sends the call.</param>
    /// <returns>The wait to send.</returns>
    public static TimeSpan FitLeaseWait(TimeSpan wait, TimeSpan httpTimeout)
    {
        if (httpTimeout == Timeout.InfiniteTimeSpan)
        {
            return wait;
        }

        var longest = httpTimeout - LeaseTimeoutMargin;
        return longest <= TimeSpan.Zero ? TimeSpan.Zero : (wait < longest ? wait : longest);
    }

    /// <summary>How much longer than a lease call's wait the <see cref="HttpClient.Timeout"/> must be (10 s).</summary>
    public static TimeSpan LeaseTimeoutMargin { get; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait the server uses when a lease call names none (20 s).</summary>
    public static TimeSpan DefaultLeaseWait { get; } = TimeSpan.FromSeconds(20);

    /// <summary>Disposes the <see cref="HttpClient"/> if <see cref="Create"/> made it.</summary>
    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    private static JsonSerializerOptions CreateReadOptions()
    {
        var options = ProtocolJson.Create();
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        options.MakeReadOnly();
        return options;
    }

    // Serialized up front, so the request has a Content-Length rather than a chunked body.
    private static ByteArrayContent JsonBody<T>(T value)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, (JsonTypeInfo<T>)ProtocolJson.Options.GetTypeInfo(typeof(T))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static string JobPath(string jobId) => "v1/jobs/" + Escape(jobId, nameof(jobId));

    private static string RunPath(string runId) => "v1/runs/" + Escape(runId, nameof(runId));

    private static string Escape(string id, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id, parameterName);
        return Uri.EscapeDataString(id);
    }

    private static string? Format(int? number) => number?.ToString(CultureInfo.InvariantCulture);

    private static string WithQuery(string path, params ReadOnlySpan<(string Name, string? Value)> parameters)
    {
        var text = new StringBuilder(path);
        foreach (var (name, value) in parameters)
        {
            if (!string.IsNullOrEmpty(value))
            {
                text.Append(text.Length == path.Length ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        return text.ToString();
    }

    private async Task<T> SendForAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, path, content, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path)) { Content = content };
        request.Headers.Accept.Add(AcceptJson);
        request.Headers.Accept.Add(AcceptProblem);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new KronServerUnreachableException(BaseAddress, e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw new KronApiException(response.StatusCode, await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false));
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var typeInfo = (JsonTypeInfo<T>)ReadOptions.GetTypeInfo(typeof(T));
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await JsonSerializer.DeserializeAsync(stream, typeInfo, cancellationToken).ConfigureAwait(false)
                ?? throw new JsonException($"the server answered {(int)response.StatusCode} with null where {typeof(T).Name} was expected");
        }
    }

    private static async Task<ProblemResponse> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "application/problem+json" or "application/json" && !string.IsNullOrWhiteSpace(body))
        {
            try
            {
                if (JsonSerializer.Deserialize(body, (JsonTypeInfo<ProblemResponse>)ReadOptions.GetTypeInfo(typeof(ProblemResponse))) is { } problem)
                {
                    return problem;
                }
            }
            catch (JsonException)
            {
                // Not problem details after all: describe the answer by its status below.
            }
        }

        // A proxy or another service answered: keep a short plain-text body, never a page of HTML.
        var status = (int)response.StatusCode;
        var text = mediaType == "text/plain" && body.Length is > 0 and <= 300 ? body.Trim() : null;
        return new ProblemResponse
        {
            Status = status,
            Title = response.ReasonPhrase,
            Detail = string.Create(CultureInfo.InvariantCulture, $"the server answered {status} {response.ReasonPhrase}{(text is null ? string.Empty : ": " + text)}"),
        };
    }
}
