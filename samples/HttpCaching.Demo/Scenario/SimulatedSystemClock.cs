using Microsoft.Extensions.Internal;

namespace HttpCaching.Demo;

/// <summary>Lets <c>MemoryDistributedCache</c> expire entries by simulated time rather than by the wall clock.</summary>
public sealed class SimulatedSystemClock(TimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
