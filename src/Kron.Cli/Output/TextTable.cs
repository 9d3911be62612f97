using System.Text;

namespace Kron.Cli.Output;

/// <summary>
/// Aligned plain-text columns for people: a header row, two spaces between columns, no trailing blanks, and
/// <c>-</c> for a missing value. Scripts use <c>--json</c> instead; this layout may change between versions.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    public const string Missing = "-";
    private const string Gap = "  ";

    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    public void AddRow(params string?[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"a row needs {headers.Length} cells, not {cells.Length}", nameof(cells));
        }

        _rows.Add([.. cells.Select(cell => Clean(cell))]);
    }

    public void Write(TextWriter writer)
    {
        var widths = headers.Select((header, column) => _rows.Select(row => row[column].Length).Prepend(header.Length).Max()).ToArray();
        WriteLine(writer, headers, widths);
        foreach (var row in _rows)
        {
            WriteLine(writer, row, widths);
        }
    }

    /// <summary>Writes <c>name:  value</c> lines with the values aligned, for one resource.</summary>
    public static void WriteFields(TextWriter writer, IReadOnlyList<(string Name, string? Value)> fields)
    {
        var width = fields.Max(field => field.Name.Length) + 1;
        foreach (var (name, value) in fields)
        {
            writer.WriteLine((name + ":").PadRight(width) + Gap + Clean(value));
        }
    }

    /// <summary>One line per cell: control characters become spaces, and text past <paramref name="maxLength"/> is cut with <c>...</c>.</summary>
    public static string Clean(string? value, int maxLength = int.MaxValue)
    {
        if (string.IsNullOrEmpty(value))
        {
            return Missing;
        }

        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            text.Append(char.IsControl(c) ? ' ' : c);
        }

        var clean = text.ToString().Trim();
        return clean.Length == 0 ? Missing : clean.Length <= maxLength ? clean : string.Concat(clean.AsSpan(0, Math.Max(0, maxLength - 3)), "...");
    }

    private static void WriteLine(TextWriter writer, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var column = 0; column < cells.Length; column++)
        {
            line.Append(column == cells.Length - 1 ? cells[column] : cells[column].PadRight(widths[column]) + Gap);
        }

        writer.WriteLine(line.ToString().TrimEnd());
    }
}
