namespace HttpCaching.Demo;

/// <summary>The requests one client's cache sent towards the origin, and how many of them found no one listening.</summary>
public sealed class OriginCallTally
{
    private long _sent;
    private long _connectionsRefused;

    public long Sent => Interlocked.Read(ref _sent);

    public long ConnectionsRefused => Interlocked.Read(ref _connectionsRefused);

    public void AddSent() => Interlocked.Increment(ref _sent);

    public void AddConnectionRefused() => Interlocked.Increment(ref _connectionsRefused);
}
