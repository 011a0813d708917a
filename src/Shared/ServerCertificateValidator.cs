using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HttpCaching.Internal;

/// <summary>
/// Validates a store server's TLS certificate (Redis, memcached) against a certificate authority of the application's
/// own (the store options' <c>CaCertificatePath</c>): the certificate must carry the expected name (TLS's own
/// check) and chain to one of the given authorities, which are the only trusted roots; the system's are not consulted.
/// </summary>
internal sealed class ServerCertificateValidator
{
    private readonly X509Certificate2Collection _authorities;

    public ServerCertificateValidator(X509Certificate2Collection authorities)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        if (authorities.Count == 0)
        {
            throw new ArgumentException("At least one certificate authority is needed.", nameof(authorities));
        }

        _authorities = authorities;
    }

    /// <summary>Loads every certificate of a PEM file (a bundle may hold several), or the one of a DER file.</summary>
    /// <exception cref="CryptographicException">The file holds no certificate.</exception>
    public static ServerCertificateValidator FromFile(string path)
    {
        var authorities = new X509Certificate2Collection();
        var text = File.ReadAllText(path);
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            authorities.ImportFromPem(text);
        }
        else
        {
            authorities.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }

        if (authorities.Count == 0)
        {
            throw new CryptographicException("The file holds no certificate.");
        }

        return new ServerCertificateValidator(authorities);
    }

    /// <summary>The number of authorities trusted.</summary>
    public int Count => _authorities.Count;

    /// <summary>A <see cref="RemoteCertificateValidationCallback"/> for <c>ConfigurationOptions.CertificateValidation</c> (Redis) or
    /// <c>SslClientAuthenticationOptions.RemoteCertificateValidationCallback</c> (memcached).</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        Validate(certificate, chain, errors);

    public bool Validate(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        // A missing certificate or a name that does not match fails whatever the chain: only the chain is ours to judge.
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var leaf = certificate is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);

        // The certificate must be one for a server: a client certificate from the same CA does not pass.
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));

        // A private CA rarely publishes revocation lists; the chain to it is what is checked.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        // Intermediates the server sent help build the chain; they are not trusted for it.
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf ?? (X509Certificate2)certificate);
    }
}
