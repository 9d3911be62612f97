using Kron.Protocol;

namespace Kron.Client;

/// <summary>The answer to <see cref="KronClient.CreateJobAsync"/>.</summary>
/// <param name="Job">The job as the server stored it.</param>
/// <param name="Created">
/// <see langword="true"/> when the server registered a new job (<c>201</c>); <see langword="false"/> when a job with
/// the same key and an identical body already existed and was returned as it is (<c>200</c>).
/// </param>
public sealed record JobCreateResult(JobResponse Job, bool Created);
