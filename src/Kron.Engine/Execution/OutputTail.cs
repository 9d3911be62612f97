using System.Text;

namespace Kron.Engine.Execution;

/// <summary>Keeps the last <see cref="MaxChars"/> characters written to it (the output tail of a run).</summary>
internal sealed class OutputTail
{
    public const int MaxChars = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly StringBuilder _buffer = new();
    private bool _truncated;

    public void Append(string text)
    {
        lock (_gate)
        {
            _buffer.Append(text);
            if (_buffer.Length > MaxChars * 2)
            {
                _buffer.Remove(0, _buffer.Length - MaxChars);
                _truncated = true;
            }
        }
    }

    /// <summary>The tail, or null when nothing was written.</summary>
    public string? ToStringOrNull()
    {
        var text = ToString();
        return text.Length == 0 ? null : text;
    }

    public override string ToString()
    {
        lock (_gate)
        {
            if (_buffer.Length > MaxChars)
            {
                _buffer.Remove(0, _buffer.Length - MaxChars);
                _truncated = true;
            }

            return _truncated ? "[...]" + _buffer : _buffer.ToString();
        }
    }
}
