using BenchmarkDotNet.Attributes;

namespace Kron.Benchmarks;

/// <summary>
/// The in-memory look-ahead window a trigger could keep of upcoming slots: a binary heap
/// (<see cref="PriorityQueue{TElement, TPriority}"/>) against a hashed timing wheel. Each iteration schedules
/// <see cref="Slots"/> slots spread over the next minute (in random order, as jobs arrive), then drains them by
/// advancing time in 10 ms steps, popping what is due, as a trigger waking every 10 ms would. The figure per
/// iteration divided by <see cref="Slots"/> is the cost per slot (insert + pop). Issue 6 asks for both to be measured
/// before one is chosen; docs/benchmarks.md compares them with the database's per-slot cost.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class LookAheadBenchmarks
{
    private const long Horizon = 60_000; // ms
    private const long Tick = 10; // ms

    private long[] _due = [];
    private string[] _ids = [];

    [Params(20_000, 200_000)]
    public int Slots { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _due = [.. Enumerable.Range(0, Slots).Select(_ => (long)random.Next(1, (int)Horizon))];
        _ids = [.. Enumerable.Range(0, Slots).Select(i => i.ToString("x32", System.Globalization.CultureInfo.InvariantCulture))];
        if (Heap() != Slots || Wheel() != Slots)
        {
            throw new InvalidOperationException("a look-ahead structure lost slots");
        }
    }

    [Benchmark(Baseline = true)]
    public int Heap()
    {
        var heap = new PriorityQueue<string, long>(Slots);
        for (var i = 0; i < _due.Length; i++)
        {
            heap.Enqueue(_ids[i], _due[i]);
        }

        var fired = 0;
        for (long now = 0; now <= Horizon + Tick; now += Tick)
        {
            while (heap.TryPeek(out _, out var due) && due <= now)
            {
                heap.Dequeue();
                fired++;
            }
        }

        return fired;
    }

    [Benchmark]
    public int Wheel()
    {
        var wheel = new TimingWheel(Tick, 8192, Slots);
        for (var i = 0; i < _due.Length; i++)
        {
            wheel.Add(_ids[i], _due[i]);
        }

        var fired = 0;
        for (long now = 0; now <= Horizon + Tick; now += Tick)
        {
            fired += wheel.Advance(now);
        }

        return fired;
    }

    /// <summary>
    /// A hashed timing wheel, small on purpose (benchmark only, not used by Kron): buckets of <c>tick</c> ms, each a
    /// list of entries; a slot further out than one turn waits in its bucket with a remaining-rounds count.
    /// </summary>
    private sealed class TimingWheel(long tick, int buckets, int capacity)
    {
        private readonly List<(string Id, long Due)>[] _buckets = [.. Enumerable.Range(0, buckets).Select(_ => new List<(string, long)>(capacity / buckets + 1))];
        private long _current;

        public void Add(string id, long due) => _buckets[(int)(due / tick % buckets)].Add((id, due));

        /// <summary>Pops every slot due up to <paramref name="now"/>; returns how many.</summary>
        public int Advance(long now)
        {
            var fired = 0;
            // Bucket t holds slots due in [t * tick, (t + 1) * tick): it is done once its whole tick has passed.
            for (; (_current + 1) * tick <= now; _current++)
            {
                var bucket = _buckets[(int)(_current % buckets)];
                for (var i = bucket.Count - 1; i >= 0; i--)
                {
                    if (bucket[i].Due <= now)
                    {
                        bucket[i] = bucket[^1];
                        bucket.RemoveAt(bucket.Count - 1);
                        fired++;
                    }
                }
            }

            return fired;
        }
    }
}
