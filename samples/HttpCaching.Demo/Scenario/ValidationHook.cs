namespace HttpCaching.Demo;

/// <summary>
/// A client's <see cref="ThirdPartyCachingOptions.ValidateResponse"/> hook: a check from <see cref="ResponseChecks"/>,
/// and a count of the responses it accepted and refused.
/// </summary>
public sealed class ValidationHook(Func<string?, ReadOnlyMemory<byte>, bool> accepts)
{
    private int _accepted;
    private int _refused;

    public int Accepted => Volatile.Read(ref _accepted);

    public int Refused => Volatile.Read(ref _refused);

    public ValueTask<bool> ValidateAsync(ResponseValidationContext response, CancellationToken cancellationToken)
    {
        var accepted = accepts(response.ContentHeaders.ContentType?.MediaType, response.Body);
        if (accepted)
        {
            Interlocked.Increment(ref _accepted);
        }
        else
        {
            Interlocked.Increment(ref _refused);
        }

        return ValueTask.FromResult(accepted);
    }
}
