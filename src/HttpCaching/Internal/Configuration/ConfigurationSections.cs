namespace HttpCaching.Internal;

/// <summary>
/// The configuration sections the library reads from the application's <c>IConfiguration</c>: <c>HttpCaching</c>
/// holds <c>Defaults</c> and <c>Clients</c> (<see cref="ThirdPartyCachingOptions"/>) and <c>Store</c>
/// (<see cref="HttpCachingStoreOptions"/>), and nothing else.
/// </summary>
internal static class ConfigurationSections
{
    public const string Root = "HttpCaching";
    public const string Defaults = "Defaults";
    public const string Clients = "Clients";
    public const string Store = "Store";
    public const string StorePath = $"{Root}:{Store}";
    public const string IntegrityPath = $"{StorePath}:{nameof(HttpCachingStoreOptions.Integrity)}";
    public const string IntegrityKeysPath = $"{IntegrityPath}:{nameof(HttpCachingIntegrityOptions.Keys)}";

    /// <summary>The sections of <see cref="Root"/>.</summary>
    public static readonly string[] RootSections = [Defaults, Clients, Store];

    /// <summary>
    /// Keys that sat directly under <see cref="Root"/> before 1.0, and the key that replaced each: setting one is a
    /// start-up error that names its replacement, rather than a setting silently ignored.
    /// </summary>
    public static readonly (string Key, string NewPath)[] Moved =
    [
        ("MemoryStoreSizeLimit", $"{StorePath}:{nameof(HttpCachingStoreOptions.MemorySizeLimit)}"),
        ("Integrity", IntegrityPath),
    ];

    public static string ClientPath(string clientName) => $"{Root}:{Clients}:{clientName}";
}
