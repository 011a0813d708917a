// HttpCaching.Proxy: a caching reverse proxy in front of one origin. Every request goes to the origin through an
// HttpClient with AddThirdPartyCaching(), so GET responses are cached by RFC 9111 (plus the freshness floor).
//
//     dotnet run --project src/HttpCaching.Proxy -- --origin http://127.0.0.1:8000 --urls http://127.0.0.1:8010
//
// Other settings come from appsettings.json, environment variables and the command line as usual:
// --Proxy:Timeout 00:00:10, --HttpCaching:Defaults:MinimumFreshness 00:00:00, --HttpCaching:Defaults:Shared false.
using HttpCaching.Proxy;

return await ProxyApp.RunAsync(args, Console.Error).ConfigureAwait(false);
