using System.Text;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite.Tests;

/// <summary>
/// <see cref="JsonBatch"/> on a real SQLite file: the padded arguments it binds, and which items it reports written
/// whatever order the statement returns their ids in.
/// </summary>
public sealed class JsonBatchTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Theory]
    [InlineData(1, 256)]
    [InlineData(256, 256)]
    [InlineData(257, 512)]
    [InlineData(70_000, 131_072)]
    public void Argument_ShortJson_IsAReusedPowerOfTwoArrayPaddedWithSpaces(int length, int size)
    {
        var buffers = new JsonBatchBuffers();
        var json = Encoding.UTF8.GetBytes(new string('7', length));

        var first = buffers.Argument(json);
        var copy = first.ToArray();
        var second = buffers.Argument(json);

        Assert.Equal(size, first.Length);
        Assert.Same(first, second);
        Assert.True(copy.AsSpan(0, length).SequenceEqual(json));
        Assert.All(copy.AsSpan(length).ToArray(), b => Assert.Equal((byte)' ', b));
    }

    [Fact]
    public void Argument_JsonLargerThanTheLargestPadding_IsAnExactCopy()
    {
        var json = Encoding.UTF8.GetBytes(new string('7', 300_000));

        var argument = new JsonBatchBuffers().Argument(json);

        Assert.Equal(json, argument);
    }

    [Theory]
    [InlineData("ORDER BY key", 3)]
    [InlineData("ORDER BY key DESC", 3)]
    [InlineData("ORDER BY value ->> 0 % 7, key", 3)]
    [InlineData("ORDER BY key", 0)]
    [InlineData("ORDER BY key DESC", 0)]
    [InlineData("ORDER BY key", 1_999)]
    public async Task ExecuteAllAsync_IdsReturnedInAnyOrder_MarksExactlyTheItemsReturned(string order, int everyNthNotWritten)
    {
        // The statement returns the ids of the rows whose flag is set, in the given order, over several chunks: all of
        // them (counted), or not all (the chunk is undone to a savepoint and its ids read).
        await using var connection = new SqliteConnection($"Data Source={_database.FilePath}");
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = $"SELECT value ->> 0 FROM json_each(CAST(@rows AS TEXT)) WHERE value ->> 1 {order}";
        var items = Enumerable.Range(0, 2_000).Select(i => (Id: i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture), Written: everyNthNotWritten == 0 || i % everyNthNotWritten != 1)).ToList();
        var batch = new JsonBatch(command, "@rows", new JsonBatchBuffers());
        bool[] returned;
        await using (batch)
        {
            returned = await batch.ExecuteAllAsync(
                items,
                static item => item.Id,
                static (json, item) =>
                {
                    json.WriteStartArray();
                    json.WriteStringValue(item.Id);
                    json.WriteBooleanValue(item.Written);
                    json.WriteStringValue(new string('x', 60)); // about 80 bytes a row: 2,000 rows make three chunks
                    json.WriteEndArray();
                },
                CancellationToken.None);
        }

        Assert.Equal(items.Select(i => i.Written), returned);
    }
}
