using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Applies <c>HttpCaching:Defaults</c>, then <c>HttpCaching:Clients:&lt;name&gt;</c>, then the section given to
/// <c>AddThirdPartyCaching(section)</c>, after the options set in code, so configuration wins. Any key that names no
/// setting, or a value that does not convert, fails with a message naming the client and the configuration path.
/// </summary>
internal sealed class ThirdPartyCachingConfigureOptions(IServiceProvider services, ThirdPartyCachingRegistry registry)
    : IPostConfigureOptions<ThirdPartyCachingOptions>
{
    public void PostConfigure(string? name, ThirdPartyCachingOptions options)
    {
        if (name is null || !registry.Contains(name))
        {
            return;
        }

        var errors = new List<string>();
        if (services.GetService<IConfiguration>() is { } configuration)
        {
            var root = configuration.GetSection(ConfigurationSections.Root);
            Bind(root.GetSection(ConfigurationSections.Defaults), options, errors);

            // Configuration keys are case-insensitive, client names are not: only a section named exactly as the client
            // applies to it, so "rss" and "RSS" never share one.
            foreach (var client in root.GetSection(ConfigurationSections.Clients).GetChildren())
            {
                if (string.Equals(client.Key, name, StringComparison.Ordinal))
                {
                    Bind(client, options, errors);
                }
            }
        }

        if (registry.Section(name) is { } section)
        {
            Bind(section, options, errors);
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(ThirdPartyCachingOptions), errors.Select(e => $"Client '{name}': {e}"));
        }
    }

    private static void Bind(IConfigurationSection section, ThirdPartyCachingOptions options, List<string> errors)
    {
        if (!ConfigurationShape.ThirdPartyCaching.Check(section, errors))
        {
            return;
        }

        try
        {
            section.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(ConfigurationShape.Describe(section, ex));
        }

        // An empty value resets the optional store key to the application's store, as JSON null does.
        if (section[nameof(options.StoreServiceKey)] is "")
        {
            options.StoreServiceKey = null;
        }
    }
}
