namespace HttpCaching.Demo;

/// <summary>How often one shape of <c>Cache-Status</c> value was seen, when first, and the range of its <c>ttl</c>.</summary>
public sealed class CacheStatusTally(TimeSpan firstSeen)
{
    public TimeSpan FirstSeen { get; } = firstSeen;

    public int Count { get; private set; }

    public long? MinTtl { get; private set; }

    public long? MaxTtl { get; private set; }

    public void Add(long? ttl)
    {
        Count++;
        if (ttl is { } value)
        {
            MinTtl = MinTtl is { } min ? Math.Min(min, value) : value;
            MaxTtl = MaxTtl is { } max ? Math.Max(max, value) : value;
        }
    }
}
