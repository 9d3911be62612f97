namespace Kron.Client;

/// <summary>
/// No connection could be made to the server (refused, unknown host, network down): nothing was sent. The message says
/// how to start a server or point the client at a running one.
/// </summary>
public sealed class KronServerUnreachableException : HttpRequestException
{
    /// <summary>Creates the exception for a failed connection to <paramref name="serverAddress"/>.</summary>
    /// <param name="serverAddress">The base address the client was using.</param>
    /// <param name="innerException">The connection failure.</param>
    public KronServerUnreachableException(Uri serverAddress, HttpRequestException innerException)
        : base(
            HttpRequestError.ConnectionError,
            $"the Kron server at {serverAddress} is not reachable ({innerException?.Message}); start one with 'kron serve' or set KRON_URL to the address of a running server",
            innerException)
    {
        ArgumentNullException.ThrowIfNull(serverAddress);
        ServerAddress = serverAddress;
    }

    /// <summary>The base address that could not be reached.</summary>
    public Uri ServerAddress { get; }
}
