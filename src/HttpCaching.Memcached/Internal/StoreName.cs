namespace HttpCaching.Memcached.Internal;

/// <summary>How messages name a store: by its service key, or as the application's store.</summary>
internal static class StoreName
{
    public static string Describe(string? name) =>
        string.IsNullOrEmpty(name) ? "The memcached HTTP cache" : $"The memcached HTTP cache '{name}'";

    /// <summary>The store's name in structured logs: its service key, or <c>(default)</c>.</summary>
    public static string ForLog(string? name) => string.IsNullOrEmpty(name) ? "(default)" : name;
}
