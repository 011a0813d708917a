namespace HttpCaching.Memcached.Internal;

/// <summary>The kinds of reply line the store understands.</summary>
internal enum ReplyKind
{
    /// <summary><c>VA &lt;size&gt; &lt;flags&gt;*</c>: a value follows.</summary>
    Value,

    /// <summary><c>HD &lt;flags&gt;*</c>: success without a value.</summary>
    Success,

    /// <summary><c>EN</c>: a miss (meta get).</summary>
    Miss,

    /// <summary><c>NF &lt;flags&gt;*</c>: not found (meta delete, touch).</summary>
    NotFound,

    /// <summary><c>NS &lt;flags&gt;*</c>: not stored.</summary>
    NotStored,

    /// <summary><c>EX &lt;flags&gt;*</c>: exists (compare-and-swap).</summary>
    Exists,

    /// <summary><c>MN</c>: the meta no-op's answer.</summary>
    Noop,

    /// <summary><c>STAT &lt;name&gt; &lt;value&gt;</c>.</summary>
    Stat,

    /// <summary><c>END</c>, after statistics.</summary>
    End,

    /// <summary><c>STORED</c>: the answer to the authentication <c>set</c>.</summary>
    Stored,

    /// <summary><c>OK</c>: the answer to <c>flush_all</c>.</summary>
    Ok,

    /// <summary><c>ERROR</c>, <c>CLIENT_ERROR …</c> or <c>SERVER_ERROR …</c>.</summary>
    Error,
}
