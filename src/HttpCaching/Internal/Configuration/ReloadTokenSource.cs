using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace HttpCaching.Internal;

/// <summary>Tells the options monitor to rebuild the named options when the application's configuration reloads.</summary>
internal sealed class ReloadTokenSource<TOptions>(string name, IServiceProvider services) : IOptionsChangeTokenSource<TOptions>
{
    private static readonly CancellationChangeToken NeverChanges = new(CancellationToken.None);

    public string Name => name;

    public IChangeToken GetChangeToken() =>
        services.GetService<IConfiguration>()?.GetReloadToken() ?? NeverChanges;
}
