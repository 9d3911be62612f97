using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kron.Protocol;

namespace Kron.EndToEnd.Tests;

/// <summary>A thin raw-HTTP view of the API for end-to-end tests (the contract as a client sees it).</summary>
internal sealed class KronApi(Uri url) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<JobResponse> CreateJobAsync(object request)
    {
        using var response = await _http.PostAsync(new Uri("/v1/jobs", UriKind.Relative), JsonContent.Create(request, options: ProtocolJson.Options));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create answered {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<JobResponse>(text, ProtocolJson.Options)!;
    }

    public async Task<JobResponse?> GetJobAsync(string id)
    {
        using var response = await _http.GetAsync(new Uri($"/v1/jobs/{id}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<JobResponse>(response);
    }

    public async Task PauseAsync(string id)
    {
        using var response = await _http.PostAsync(new Uri($"/v1/jobs/{id}/pause", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>All runs, following cursors; of one job when <paramref name="jobId"/> is given.</summary>
    public async Task<List<RunResponse>> AllRunsAsync(string? jobId = null)
    {
        var runs = new List<RunResponse>();
        string? cursor = null;
        do
        {
            var query = $"/v1/runs?limit=500{(jobId is null ? "" : $"&job_id={jobId}")}{(cursor is null ? "" : $"&cursor={cursor}")}";
            using var response = await _http.GetAsync(new Uri(query, UriKind.Relative));
            var page = await ReadAsync<Page<RunResponse>>(response);
            runs.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return runs;
    }

    /// <summary>GET <paramref name="path"/>, asserting 200, as <typeparamref name="T"/>.</summary>
    public async Task<T> GetAsync<T>(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        return await ReadAsync<T>(response);
    }

    public void Dispose() => _http.Dispose();

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<T>(text, ProtocolJson.Options)!;
    }
}
