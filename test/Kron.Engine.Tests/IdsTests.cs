using Kron.Storage;
using Kron.Testing;

namespace Kron.Engine.Tests;

/// <summary><see cref="Ids"/> and <see cref="LeaseTokens"/>: the format every id is stored and listed in.</summary>
public sealed class IdsTests
{
    [Fact]
    public void New_ThirtyTwoHexDigitsOfMillisecondsSequenceAndRandom()
    {
        // Ids never go backwards in a process, so the prefix is the clock's millisecond or, after a later one, above it.
        var before = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds().ToString("x12", System.Globalization.CultureInfo.InvariantCulture);

        var id = Ids.New(TimeProvider.System);

        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.True(string.CompareOrdinal(id[..12], before) >= 0, $"{id} starts before {before}");
    }

    [Fact]
    public void New_ManyInOneMillisecond_SortInCreationOrderAndNeverRepeat()
    {
        var time = new ManualTimeProvider(TimeProvider.System.GetUtcNow()); // a clock that stands still

        var ids = Enumerable.Range(0, 10_000).Select(_ => Ids.New(time)).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void LeaseTokens_New_ThirtyTwoRandomHexDigits()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => LeaseTokens.New()).ToList();

        Assert.All(tokens, t => Assert.Matches("^[0-9a-f]{32}$", t));
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
    }
}
