namespace Kron.Cli;

/// <summary>
/// A flag, file or value given to <c>kron</c> is invalid, found before anything was sent: reported as one line on
/// stderr with exit code <see cref="ExitCodes.InvalidInput"/>. The message names the flag and says how to fix it.
/// </summary>
internal sealed class InvalidInputException : FormatException
{
    public InvalidInputException(string message)
        : base(message)
    {
    }

    public InvalidInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
