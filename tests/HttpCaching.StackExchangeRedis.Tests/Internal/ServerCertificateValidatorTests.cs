using HttpCaching.Internal;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HttpCaching.StackExchangeRedis.Tests.Helpers;

namespace HttpCaching.StackExchangeRedis.Tests.Internal;

public sealed class ServerCertificateValidatorTests : IDisposable
{
    private readonly X509Certificate2 _ca = TestCertificates.CreateAuthority("Test CA");
    private readonly X509Certificate2 _otherCa = TestCertificates.CreateAuthority("Other CA");
    private readonly string _directory = Directory.CreateTempSubdirectory("httpcaching-redis-ca-").FullName;

    [Fact]
    public void Validate_CertificateFromTheCa_IsAccepted_EvenThoughTheSystemDoesNotTrustIt()
    {
        using var server = TestCertificates.CreateServer(_ca, "redis.internal");
        var validator = new ServerCertificateValidator([_ca]);

        Assert.True(validator.Validate(server, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void Validate_CertificateFromAnotherCa_IsRefused_EvenWhenTheSystemWouldAccept()
    {
        using var server = TestCertificates.CreateServer(_otherCa, "redis.internal");
        var validator = new ServerCertificateValidator([_ca]);

        Assert.False(validator.Validate(server, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(validator.Validate(server, null, SslPolicyErrors.None));
    }

    [Fact]
    public void Validate_NameMismatchOrNoCertificate_IsRefused()
    {
        using var server = TestCertificates.CreateServer(_ca, "redis.internal");
        var validator = new ServerCertificateValidator([_ca]);

        Assert.False(validator.Validate(server, null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(validator.Validate(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void FromFile_PemBundleAndDer_LoadEveryAuthority()
    {
        var bundle = Path.Combine(_directory, "bundle.pem");
        File.WriteAllText(bundle, _otherCa.ExportCertificatePem() + "\n" + _ca.ExportCertificatePem());
        var der = Path.Combine(_directory, "ca.der");
        File.WriteAllBytes(der, _ca.RawData);
        using var server = TestCertificates.CreateServer(_ca, "redis.internal");

        var fromBundle = ServerCertificateValidator.FromFile(bundle);
        var fromDer = ServerCertificateValidator.FromFile(der);

        Assert.Equal(2, fromBundle.Count);
        Assert.True(fromBundle.Validate(server, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.True(fromDer.Validate(server, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
