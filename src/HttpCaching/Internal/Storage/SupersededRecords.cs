using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>
/// Records of the shared store older than a version this instance served, whose removal the store refused
/// (<see cref="TieredStore.RemoveSupersededAsync"/>), each with the check that tells such an older record; removed once
/// the store answers again. One per client, for its lifetime: it outlives the store tier an options change rebuilds.
/// </summary>
internal sealed class SupersededRecords
{
    /// <summary>The most keys remembered at once; past it, further refused removals are given up.</summary>
    public const int MaxKeys = 4096;

    private readonly ConcurrentDictionary<string, Func<byte[], bool>> _records = new(StringComparer.Ordinal);

    public bool IsEmpty => _records.IsEmpty;

    /// <summary>
    /// Remembers that <paramref name="key"/> must go while it holds a record <paramref name="isOlder"/> accepts. A key
    /// already remembered keeps its earlier check too: every version this instance served over is still one to remove.
    /// </summary>
    public void Remember(string key, Func<byte[], bool> isOlder)
    {
        if (_records.Count >= MaxKeys && !_records.ContainsKey(key))
        {
            return;
        }

        _records.AddOrUpdate(key, isOlder, (_, earlier) => record => earlier(record) || isOlder(record));
    }

    /// <summary>The keys remembered, each with its check.</summary>
    public IEnumerable<KeyValuePair<string, Func<byte[], bool>>> Pending => _records;

    /// <summary>Forgets <paramref name="key"/> if its check is still <paramref name="isOlder"/> (not widened since).</summary>
    public void Done(string key, Func<byte[], bool> isOlder) =>
        _records.TryRemove(new KeyValuePair<string, Func<byte[], bool>>(key, isOlder));
}
