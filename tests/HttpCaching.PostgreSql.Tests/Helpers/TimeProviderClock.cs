using Microsoft.Extensions.Internal;

namespace HttpCaching.PostgreSql.Tests.Helpers;

/// <summary>Lets <c>MemoryDistributedCache</c> expire entries by a <see cref="TimeProvider"/>.</summary>
public sealed class TimeProviderClock(TimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
