using System.Reflection;
using Kron.Storage;

namespace Kron.Engine.Tests;

/// <summary>
/// A real storage driver behind a switch: while <see cref="Down"/> is set, every operation fails as it would with the
/// database unreachable. Fault injection in front of the real database, not a mock: what gets through is real SQL. It
/// also keeps the due scans and fires asked of it (<see cref="DueScans"/>, <see cref="Fires"/>).
/// </summary>
public class SwitchableStorage : DispatchProxy
{
    private IStorageDriver? _inner;

    public bool Down { get; set; }

    /// <summary>Every <see cref="IStorageDriver.GetDueJobsAsync"/> call's parameters, in order.</summary>
    public List<GetDueJobsParams> DueScans { get; } = [];

    /// <summary>Every <see cref="IStorageDriver.FireJobsAsync"/> call's parameters, in order.</summary>
    public List<FireJobsParams> Fires { get; } = [];

    public static (IStorageDriver Storage, SwitchableStorage Switch) Wrap(IStorageDriver inner)
    {
        var proxy = Create<IStorageDriver, SwitchableStorage>();
        var control = (SwitchableStorage)(object)proxy;
        control._inner = inner;
        return (proxy, control);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        switch (args)
        {
            case [GetDueJobsParams scan, ..]:
                DueScans.Add(scan);
                break;
            case [FireJobsParams fire, ..]:
                Fires.Add(fire);
                break;
        }

        return Down
            ? throw new IOException("the database is unreachable (test switch)")
            : targetMethod.Invoke(_inner, args);
    }
}
