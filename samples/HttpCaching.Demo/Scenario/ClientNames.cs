namespace HttpCaching.Demo;

/// <summary>The named clients the demo registers; their settings live under <c>HttpCaching:Clients</c> in appsettings.json.</summary>
public static class ClientNames
{
    public const string Rss = "rss";
    public const string Embedly = "embedly";
}
