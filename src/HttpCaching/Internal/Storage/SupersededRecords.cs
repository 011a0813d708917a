using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>
/// Records of the shared store older than a version this instance served, whose removal the store refused
/// (<see cref="TieredStore.RemoveSupersededAsync"/>), each with the versions that make a record there one to remove;
/// removed once the store answers again. One per client, for its lifetime: it outlives the store tier an options change
/// rebuilds.
/// </summary>
internal sealed class SupersededRecords
{
    /// <summary>The most keys remembered at once; past it, further refused removals are given up.</summary>
    public const int MaxKeys = 4096;

    private readonly ConcurrentDictionary<string, OlderVersions> _records = new(StringComparer.Ordinal);

    public bool IsEmpty => _records.IsEmpty;

    /// <summary>
    /// Remembers that <paramref name="key"/> must go while it holds one of <paramref name="older"/>. A key already
    /// remembered keeps its earlier versions too (up to <see cref="OlderVersions.MaxVersions"/>): every version this
    /// instance served over is still one to remove.
    /// </summary>
    public void Remember(string key, OlderVersions older)
    {
        if (_records.Count >= MaxKeys && !_records.ContainsKey(key))
        {
            return;
        }

        _records.AddOrUpdate(key, older, (_, earlier) => earlier.With(older));
    }

    /// <summary>The keys remembered, each with its versions.</summary>
    public IEnumerable<KeyValuePair<string, OlderVersions>> Pending => _records;

    /// <summary>Forgets <paramref name="key"/> if its versions are still <paramref name="older"/> (not widened since).</summary>
    public void Done(string key, OlderVersions older) =>
        _records.TryRemove(new KeyValuePair<string, OlderVersions>(key, older));
}
