using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Binds <see cref="ProxyOptions"/> from the <c>Proxy</c> section strictly: an unknown key or a value that does not
/// convert is reported as an <see cref="OptionsValidationException"/>, like every other configuration error.
/// </summary>
internal sealed class ProxyOptionsSetup(IConfiguration configuration) : IConfigureOptions<ProxyOptions>
{
    private static readonly string[] ProxyKeys =
    [
        nameof(ProxyOptions.Origin), nameof(ProxyOptions.Timeout), nameof(ProxyOptions.ForwardedRequestHeaders), nameof(ProxyOptions.Routes),
        nameof(ProxyOptions.Store), nameof(ProxyOptions.AdminUrls), nameof(ProxyOptions.PurgeToken), nameof(ProxyOptions.Otlp),
        nameof(ProxyOptions.RemoveTargetedFields),
    ];

    private static readonly string[] RouteKeys =
    [
        nameof(ProxyRouteOptions.PathPrefix), nameof(ProxyRouteOptions.Origin), nameof(ProxyRouteOptions.Timeout),
        nameof(ProxyRouteOptions.RequestHeaders), nameof(ProxyRouteOptions.QueryParameters),
    ];

    private static readonly string[] StoreKeys = [nameof(ProxyStoreOptions.Provider), nameof(ProxyStoreOptions.ConnectionString)];

    private static readonly string[] OtlpKeys = [nameof(ProxyOtlpOptions.Endpoint), nameof(ProxyOtlpOptions.Protocol)];

    public void Configure(ProxyOptions options)
    {
        // Unknown keys first, each named by its full path (the binder names neither the route nor the path).
        var section = configuration.GetSection(ProxyOptions.SectionName);
        var errors = new List<string>();
        CheckSection(section, errors);
        CheckKeys(section, ProxyKeys, errors);
        CheckKeys(section.GetSection(nameof(ProxyOptions.Store)), StoreKeys, errors);
        CheckKeys(section.GetSection(nameof(ProxyOptions.Otlp)), OtlpKeys, errors);
        foreach (var name in (string[])[nameof(ProxyOptions.Routes), nameof(ProxyOptions.Store), nameof(ProxyOptions.Otlp), nameof(ProxyOptions.ForwardedRequestHeaders)])
        {
            CheckSection(section.GetSection(name), errors);
        }

        foreach (var route in section.GetSection(nameof(ProxyOptions.Routes)).GetChildren())
        {
            CheckSection(route, errors);
            CheckSection(route.GetSection(nameof(ProxyRouteOptions.RequestHeaders)), errors);
            CheckSection(route.GetSection(nameof(ProxyRouteOptions.QueryParameters)), errors);
            CheckKeys(route, RouteKeys, errors);
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ProxyOptions), errors);
        }

        try
        {
            configuration.GetSection(ProxyOptions.SectionName).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            // Inside a dictionary (Proxy:Routes), the binder's own message says only that binding failed: the inner
            // exceptions name the key and the value that did not convert.
            var messages = new List<string>();
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                messages.Add(e.Message);
            }

            throw new OptionsValidationException(Options.DefaultName, typeof(ProxyOptions), [string.Join(" ", messages)]);
        }
    }

    /// <summary>
    /// A value where a section is expected (<c>Proxy__Routes=…</c>, <c>Proxy:Otlp</c> given as a string), which the
    /// binder would drop or report with the value in its message. The value is not quoted: it may be a secret.
    /// </summary>
    private static void CheckSection(IConfigurationSection section, List<string> errors)
    {
        if (section.Value is { Length: > 0 })
        {
            errors.Add(
                $"{section.Path} is set to a value, but it is a section: give its settings under it, as {section.Path}:<setting> (the environment's {section.Path.Replace(":", "__", StringComparison.Ordinal)}__<setting>). The value is not repeated here.");
        }
    }

    private static void CheckKeys(IConfigurationSection section, string[] known, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path} is not a known setting. Known settings: {string.Join(", ", known)}.");
            }
        }
    }
}
