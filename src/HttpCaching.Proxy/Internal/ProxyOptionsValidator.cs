using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>Checks <see cref="ProxyOptions"/> at start-up, with messages that say how to fix the setting.</summary>
internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (string.IsNullOrWhiteSpace(options.Origin))
        {
            builder.AddError(
                "No origin is set. Start the proxy with --origin http://host:port, or set Proxy:Origin in appsettings.json or the Proxy__Origin environment variable.");
        }
        else if (!Uri.TryCreate(options.Origin, UriKind.Absolute, out var origin)
            || (origin.Scheme != Uri.UriSchemeHttp && origin.Scheme != Uri.UriSchemeHttps))
        {
            builder.AddError($"Proxy:Origin (--origin) is '{options.Origin}', which is not an absolute http:// or https:// URI such as http://127.0.0.1:8000.");
        }
        else if (origin.Query.Length > 0 || origin.Fragment.Length > 0 || origin.UserInfo.Length > 0)
        {
            // The value is not repeated: a query string may hold a key.
            builder.AddError("Proxy:Origin (--origin) must not have a query, a fragment or user information: give scheme, host, port and an optional base path.");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > ProxyOptions.MaxTimeout)
        {
            builder.AddError($"Proxy:Timeout is {options.Timeout}; it must be more than zero and at most {ProxyOptions.MaxTimeout}.");
        }

        for (var i = 0; i < options.ForwardedRequestHeaders.Count; i++)
        {
            var header = options.ForwardedRequestHeaders[i];
            if (string.IsNullOrWhiteSpace(header))
            {
                builder.AddError($"Proxy:ForwardedRequestHeaders:{i} is empty; give the name of a header to forward, such as X-Forwarded-Host.");
            }
            else if (!UnkeyedRequestHeaders.Names.Contains(header))
            {
                builder.AddError(
                    $"Proxy:ForwardedRequestHeaders:{i} is '{header}', which is not a header the proxy withholds; it can only forward {UnkeyedRequestHeaders.List}. Other end-to-end headers are always forwarded.");
            }
        }

        return builder.Build();
    }
}
