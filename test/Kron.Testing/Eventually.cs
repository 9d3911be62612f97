namespace Kron.Testing;

/// <summary>Waits for a condition instead of sleeping: polls until it holds or the timeout passes, then fails loudly.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            if (await probe().ConfigureAwait(false) is { } value)
            {
                return value;
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(DefaultPollInterval, TimeProvider.System).ConfigureAwait(false);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        await GetAsync<object>(async () => await condition().ConfigureAwait(false) ? new object() : null, timeout, what).ConfigureAwait(false);
    }
}
