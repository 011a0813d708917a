using Microsoft.Extensions.Internal;

namespace HttpCaching.Internal;

/// <summary>Lets the in-memory store expire entries by the application's <see cref="TimeProvider"/>.</summary>
internal sealed class TimeProviderClock(TimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
