namespace Kron.Cli;

/// <summary>Exit codes of <c>kron</c>, stable for scripts.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Something failed while doing what was asked.</summary>
    public const int Failure = 1;

    /// <summary>The input was invalid (usage, expression, zone, instant): nothing was done.</summary>
    public const int InvalidInput = 2;
}
