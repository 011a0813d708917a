using System.Collections.Immutable;

namespace HttpCaching.Internal;

/// <summary>
/// The versions of one URL's entry (or variant's) that this instance served a newer version over, and whose record the
/// store may still hold: the check <see cref="SupersededRecords"/> keeps for a removal the store refused. Immutable: a
/// widened set is a new instance, so a retry that made the removal for an older set leaves a widened one in place.
/// </summary>
internal sealed class OlderVersions
{
    /// <summary>The most version ids kept for one key; the first ones (the store's, most likely) are the ones kept.</summary>
    public const int MaxVersions = 16;

    private OlderVersions(string prefix, string clientName, string requestHash, ImmutableArray<string> versionIds) =>
        (Prefix, ClientName, RequestHash, VersionIds) = (prefix, clientName, requestHash, versionIds);

    public string Prefix { get; }

    public string ClientName { get; }

    public string RequestHash { get; }

    public ImmutableArray<string> VersionIds { get; }

    public static OlderVersions Of(string prefix, string clientName, string requestHash, string versionId) =>
        new(prefix, clientName, requestHash, [versionId]);

    /// <summary>Whether <paramref name="record"/> is an entry of this URL holding one of the versions.</summary>
    public bool Holds(HeldRecord record) =>
        DecodedEntryCache.Get(record, Prefix, ClientName, RequestHash) is { Entry.VersionId: var held } && VersionIds.Contains(held, StringComparer.Ordinal);

    /// <summary>These versions and those of <paramref name="other"/>, up to <see cref="MaxVersions"/>.</summary>
    public OlderVersions With(OlderVersions other)
    {
        var ids = VersionIds;
        foreach (var id in other.VersionIds)
        {
            if (ids.Length < MaxVersions && !ids.Contains(id, StringComparer.Ordinal))
            {
                ids = ids.Add(id);
            }
        }

        return ids == VersionIds ? this : new OlderVersions(Prefix, ClientName, RequestHash, ids);
    }
}
