namespace HttpCaching.Testing;

/// <summary>How a throwaway memcached listens.</summary>
public enum MemcachedServerKind
{
    /// <summary>Plain TCP, no authentication.</summary>
    Plain,

    /// <summary>TLS only (<c>-Z</c>), with a certificate for 127.0.0.1 and localhost from a CA made for it.</summary>
    Tls,

    /// <summary>Plain TCP with text-protocol authentication (<c>-Y</c> auth file).</summary>
    Authenticated,
}
