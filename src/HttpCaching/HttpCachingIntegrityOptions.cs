namespace HttpCaching;

/// <summary>
/// Integrity protection and encryption at rest for every record the cache stores, bound from the
/// <c>HttpCaching:Store:Integrity</c> configuration section (<see cref="HttpCachingStoreOptions.Integrity"/>).
/// </summary>
/// <remarks>
/// With at least one key, every record is stored with an HMAC-SHA256 tag over its store key and contents (or, with
/// <see cref="Encrypt"/>, encrypted with AES-256-GCM, whose tag covers the store key too). A record whose tag is missing
/// or wrong is never served: it counts as a miss, is logged as event <c>CacheRecordTampered</c> and is counted in
/// <c>httpcaching.store.tampered</c>. Keys are read once, when a store is first used.
/// </remarks>
public sealed class HttpCachingIntegrityOptions
{
    /// <summary>The fewest bytes a key may have once decoded from base64.</summary>
    public const int MinimumKeyLength = 32;

    /// <summary>
    /// Gets the keys, each a base64 string of at least <see cref="MinimumKeyLength"/> random bytes. The first key
    /// protects new records; every key is accepted when a record is read, so a key can be rotated by putting the new
    /// one first and removing the old one once its records have expired. Keys set in configuration replace keys set
    /// in code.
    /// </summary>
    /// <value>The default is no keys: records are stored as they are.</value>
    public IList<string> Keys { get; } = [];

    /// <summary>
    /// Gets or sets a value indicating whether records are encrypted (AES-256-GCM) instead of only signed. Requires at
    /// least one key. Records written in either mode are read in either mode.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool Encrypt { get; set; }
}
