namespace HttpCaching.Memcached.Internal;

/// <summary>
/// One reply line, parsed: its kind, the value's size (for <see cref="ReplyKind.Value"/>) and the return flags the store
/// asks for (<c>O</c> opaque, <c>f</c> client flags, <c>t</c> TTL). For an error, <see cref="Text"/> is the server's
/// text, made printable and short; for a statistic, <see cref="StatName"/> and <see cref="Text"/>.
/// </summary>
internal readonly record struct MetaReply(ReplyKind Kind, int Size, long? Opaque, uint? ClientFlags, long? Ttl, string? Text, string? StatName)
{
    /// <summary>Whether an error reply says the value is larger than the item size limit.</summary>
    public bool IsTooLarge => Kind == ReplyKind.Error && Text is not null && Text.Contains("too large", StringComparison.OrdinalIgnoreCase);
}
