using System.Collections.Concurrent;

namespace Kron.Engine;

/// <summary>
/// Values computed from a key once per distinct key rather than at every use, for the hot path of issue 6 (a run's
/// target, a cron job's schedule). Small and hand-written: the bound keeps memory flat when keys are all different, and
/// a full cache is simply emptied; no library here has a bounded cache worth its weight for this. The values must be
/// immutable, since every caller with an equal key shares one.
/// </summary>
internal sealed class ParseCache<TKey, TValue>(int capacity, IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _values = new(comparer);

    public int Capacity { get; } = capacity;

    /// <summary>The value for <paramref name="key"/>, made by <paramref name="create"/> when not kept (exceptions pass through, nothing is kept).</summary>
    public TValue Get<TState>(TKey key, TState state, Func<TKey, TState, TValue> create)
    {
        if (_values.TryGetValue(key, out var value))
        {
            return value;
        }

        value = create(key, state);
        if (_values.Count >= Capacity)
        {
            _values.Clear();
        }

        _values.TryAdd(key, value);
        return value;
    }
}
