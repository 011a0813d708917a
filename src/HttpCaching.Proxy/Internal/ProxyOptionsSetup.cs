using Microsoft.Extensions.Options;

namespace HttpCaching.Proxy.Internal;

/// <summary>
/// Binds <see cref="ProxyOptions"/> from the <c>Proxy</c> section strictly: an unknown key or a value that does not
/// convert is reported as an <see cref="OptionsValidationException"/>, like every other configuration error.
/// </summary>
internal sealed class ProxyOptionsSetup(IConfiguration configuration) : IConfigureOptions<ProxyOptions>
{
    public void Configure(ProxyOptions options)
    {
        try
        {
            configuration.GetSection(ProxyOptions.SectionName).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ProxyOptions), [ex.Message]);
        }
    }
}
