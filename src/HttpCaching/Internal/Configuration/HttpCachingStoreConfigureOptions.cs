using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Binds the store-wide settings from <c>HttpCaching:Store</c> and checks the shape of the whole <c>HttpCaching</c>
/// section: it holds only <c>Defaults</c>, <c>Clients</c> and <c>Store</c>, and every <c>Clients</c> entry names a
/// client that has the caching handler. Keys that moved into <c>Store</c> fail with a message naming their new key.
/// </summary>
internal sealed class HttpCachingStoreConfigureOptions(IServiceProvider services, ThirdPartyCachingRegistry registry)
    : IPostConfigureOptions<HttpCachingStoreOptions>
{
    public void PostConfigure(string? name, HttpCachingStoreOptions options)
    {
        if (name != Options.DefaultName || services.GetService<IConfiguration>() is not { } configuration)
        {
            return;
        }

        var errors = new List<string>();
        var root = configuration.GetSection(ConfigurationSections.Root);
        CheckRoot(root, errors);
        Bind(root.GetSection(ConfigurationSections.Store), options, errors);
        foreach (var client in root.GetSection(ConfigurationSections.Clients).GetChildren())
        {
            if (!registry.Contains(client.Key))
            {
                // Client names are compared ordinally, as IHttpClientFactory compares them.
                var sameButCase = Array.Find(registry.Names(), n => string.Equals(n, client.Key, StringComparison.OrdinalIgnoreCase));
                errors.Add(sameButCase is not null
                    ? $"{client.Path} configures no client: client names are case-sensitive, and the client with a caching handler is named '{sameButCase}'."
                    : $"{client.Path} configures a client that has no caching handler: call AddThirdPartyCaching() on the HttpClient named '{client.Key}', or remove the section.");
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(HttpCachingStoreOptions), errors);
        }
    }

    private static void CheckRoot(IConfigurationSection root, List<string> errors)
    {
        foreach (var child in root.GetChildren())
        {
            var moved = Array.Find(ConfigurationSections.Moved, m => string.Equals(m.Key, child.Key, StringComparison.OrdinalIgnoreCase));
            if (moved.NewPath is not null)
            {
                errors.Add($"{child.Path} has moved: set {moved.NewPath} instead.");
            }
            else if (!ConfigurationSections.RootSections.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path} is not a known setting. {ConfigurationSections.Root} holds only the sections {string.Join(", ", ConfigurationSections.RootSections)}.");
            }
            else if (!string.IsNullOrEmpty(child.Value))
            {
                errors.Add($"{child.Path} is a section, not a value.");
            }
        }
    }

    private static void Bind(IConfigurationSection section, HttpCachingStoreOptions options, List<string> errors)
    {
        if (!ConfigurationShape.Store.Check(section, errors))
        {
            return;
        }

        // Keys set in configuration replace the keys set in code; the binder would add to them.
        var integrity = section.GetSection(nameof(options.Integrity));
        if (ConfigurationShape.SetsList(integrity, nameof(options.Integrity.Keys)))
        {
            options.Integrity.Keys.Clear();
        }

        try
        {
            section.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(ConfigurationShape.Describe(section, ex));
        }
    }
}
