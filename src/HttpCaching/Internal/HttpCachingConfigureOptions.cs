using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Binds the shared settings from the <c>HttpCaching</c> section and checks the shape of the whole section: every key
/// must name a setting, and every <c>Clients</c> entry a client that has the caching handler.
/// </summary>
internal sealed class HttpCachingConfigureOptions(IServiceProvider services, ThirdPartyCachingRegistry registry)
    : IPostConfigureOptions<HttpCachingOptions>
{
    public void PostConfigure(string? name, HttpCachingOptions options)
    {
        if (name != Options.DefaultName || services.GetService<IConfiguration>() is not { } configuration)
        {
            return;
        }

        var errors = new List<string>();
        var root = configuration.GetSection(ConfigurationSections.Root);
        ConfigurationSections.Bind(root, options, errors, ConfigurationSections.Defaults, ConfigurationSections.Clients);
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
            throw new OptionsValidationException(Options.DefaultName, typeof(HttpCachingOptions), errors);
        }
    }
}
