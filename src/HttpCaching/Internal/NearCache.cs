using Microsoft.Extensions.Caching.Memory;

namespace HttpCaching.Internal;

/// <summary>
/// The in-process tier of one client in front of a shared store. Body version records are immutable, so once read
/// they stay (bounded by size, least recently used first out); entry and Vary records, which another instance may
/// rewrite, are kept only for a short window. Records are written through, and removed on invalidation.
/// </summary>
internal sealed class NearCache : IDisposable
{
    private readonly MemoryCache _memory;

    public NearCache(long sizeLimit, TimeProvider time)
    {
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit, Clock = new TimeProviderClock(time) });
    }

    public byte[]? Get(string key) => _memory.TryGetValue(key, out byte[]? value) ? value : null;

    /// <summary>Keeps a record: a body version indefinitely (until evicted), any other record for <paramref name="entryDuration"/>.</summary>
    public void Set(string key, byte[] value, bool bodyVersion, TimeSpan entryDuration)
    {
        if (!bodyVersion && entryDuration <= TimeSpan.Zero)
        {
            _memory.Remove(key);
            return;
        }

        using var entry = _memory.CreateEntry(key);
        entry.Value = value;
        entry.Size = value.Length + key.Length;
        if (!bodyVersion)
        {
            entry.AbsoluteExpirationRelativeToNow = entryDuration;
        }
    }

    public void Remove(string key) => _memory.Remove(key);

    public void Dispose() => _memory.Dispose();
}
