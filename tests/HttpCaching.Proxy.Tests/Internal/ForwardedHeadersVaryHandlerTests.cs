using HttpCaching.Proxy.Internal;

namespace HttpCaching.Proxy.Tests.Internal;

public sealed class ForwardedHeadersVaryHandlerTests
{
    [Fact]
    public void AddToVary_NoVary_AddsTheNamesAsOneFieldLine()
    {
        using var response = new HttpResponseMessage();

        ForwardedHeadersVaryHandler.AddToVary(response, ["Forwarded", "X-Forwarded-Host"]);

        Assert.Equal(["Forwarded, X-Forwarded-Host"], response.Lines("Vary"));
    }

    [Fact]
    public void AddToVary_NamesAlreadyVariedOn_AddsOnlyTheOthers()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Vary", "Accept-Encoding, x-forwarded-host");

        ForwardedHeadersVaryHandler.AddToVary(response, ["Forwarded", "X-Forwarded-Host"]);

        Assert.Equal(["Accept-Encoding, x-forwarded-host", "Forwarded"], response.Lines("Vary"));
    }

    [Fact]
    public void AddToVary_AllNamesAlreadyVariedOn_LeavesVaryAlone()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Vary", "X-Forwarded-Host");

        ForwardedHeadersVaryHandler.AddToVary(response, ["X-Forwarded-Host"]);

        Assert.Equal(["X-Forwarded-Host"], response.Lines("Vary"));
    }

    [Fact]
    public void AddToVary_VaryStar_LeavesVaryAlone()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Vary", "Accept, *");

        ForwardedHeadersVaryHandler.AddToVary(response, ["X-Forwarded-Host"]);

        Assert.Equal(["Accept, *"], response.Lines("Vary"));
    }
}
