using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

internal sealed partial class ClientCache
{
    private static readonly string[] RelatedLocationFields = ["Location", "Content-Location"];

    /// <summary>
    /// <see cref="IThirdPartyCacheInvalidator"/>: makes the stored responses for <paramref name="requestUri"/> unusable
    /// through the same path as the invalidation by unsafe methods. Says whether there was a stored response to remove
    /// and the store took the removal. After an invalid reload it uses the last valid options, as requests do.
    /// </summary>
    public ValueTask<bool> InvalidateAsync(Uri requestUri, CancellationToken cancellationToken)
    {
        ThirdPartyCachingOptions options;
        try
        {
            options = _optionsMonitor.Get(_clientName);
        }
        catch (OptionsValidationException) when (LastValidOptions is { } lastValid)
        {
            options = lastValid;
        }

        return RemoveStoredAsync(Tier(options), requestUri, reportRemoved: true, cancellationToken);
    }

    /// <summary>
    /// RFC 9111 §4.4: a non-error response to an unsafe method makes the stored responses for the target URI, and for
    /// same-origin <c>Location</c> and <c>Content-Location</c>, unusable.
    /// </summary>
    private async Task InvalidateAfterUnsafeAsync(ThirdPartyCachingOptions options, Uri target, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var store = Tier(options);
        await RemoveEntryAsync(target).ConfigureAwait(false);
        foreach (var name in RelatedLocationFields)
        {
            var headers = name == "Location" ? (HttpHeaders)response.Headers : response.Content.Headers;
            if (headers.NonValidated.TryGetValues(name, out var values)
                && Uri.TryCreate(target, values.ToString(), out var related)
                && related.IsAbsoluteUri
                && Uri.Compare(related, target, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                await RemoveEntryAsync(related).ConfigureAwait(false);
            }
        }

        async Task RemoveEntryAsync(Uri uri)
        {
            await RemoveStoredAsync(store, uri, reportRemoved: false, cancellationToken).ConfigureAwait(false);
            Log.Invalidated(_logger, _clientName, new LoggedUri(uri));
        }
    }

    /// <summary>
    /// The one path of every invalidation: removes the per-URL entry (or Vary) record of <paramref name="uri"/> from the
    /// near cache and the store, which makes every stored variant and body version of it unreachable. When
    /// <paramref name="reportRemoved"/> is set, the record is read first so the result says whether anything was
    /// there to remove; otherwise the result only says whether the store took the removal.
    /// </summary>
    private async ValueTask<bool> RemoveStoredAsync(TieredStore store, Uri uri, bool reportRemoved, CancellationToken cancellationToken)
    {
        var keys = Keys.Get(uri, store.Options.KeyPrefix);
        _invalidations.Note(keys.EntryKey);
        try
        {
            var found = true;
            if (reportRemoved)
            {
                var (record, _) = await store.GetAsync(keys.EntryKey, cancellationToken).ConfigureAwait(false);
                found = record is not null;
            }

            // Removed even when the read found nothing: a read that failed (the store slow or down) says nothing, and a
            // removal that does not go through is remembered and retried.
            var removed = await store.RemoveAsync(keys.EntryKey, cancellationToken).ConfigureAwait(false);
            return found && removed;
        }
        finally
        {
            // After the removal and its change message: an instance whose fetch wrote the URL a moment before (what its
            // origin said before the change, landed after this removal) removes it again. Also when the caller gave up
            // on the removal, which the store may have carried out all the same.
            store.Shared.Coordination?.Invalidated(keys.EntryKey);
        }
    }
}
