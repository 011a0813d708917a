using Microsoft.Extensions.Options;
using Npgsql;

namespace HttpCaching.PostgreSql.Internal;

/// <summary>
/// Validates the options of every PostgreSQL store at start-up: the rules of the source-generated
/// <see cref="PostgreSqlHttpCacheOptionsValidator"/>, then those no attribute can state. Messages name the store (its
/// service key) and the option to fix, and never repeat the connection string.
/// </summary>
internal sealed class PostgreSqlHttpCacheOptionsCustomValidator : IValidateOptions<PostgreSqlHttpCacheOptions>
{
    /// <summary>The smallest <see cref="PostgreSqlHttpCacheOptions.MaxSize"/>, 1 MiB: anything less is a unit mistake.</summary>
    public const long MinMaxSize = 1L << 20;

    /// <summary>The largest <see cref="PostgreSqlHttpCacheOptions.MaxSize"/>, 1 TiB.</summary>
    public const long MaxMaxSize = 1L << 40;

    /// <summary>The smallest <see cref="PostgreSqlHttpCacheOptions.MaxValueSize"/>, 64 KiB: anything less is a unit mistake.</summary>
    public const int MinMaxValueSize = 64 * 1024;

    /// <summary>The largest <see cref="PostgreSqlHttpCacheOptions.MaxValueSize"/>: PostgreSQL's largest <c>bytea</c>, 1 GB less one byte.</summary>
    public const int MaxMaxValueSize = (1 << 30) - 1;

    /// <summary>The largest <see cref="PostgreSqlHttpCacheOptions.MaxRows"/>.</summary>
    public const int MaxMaxRows = 1_000_000_000;

    private static readonly TimeSpan MaxDeletionInterval = TimeSpan.FromDays(1);
    private static readonly PostgreSqlHttpCacheOptionsValidator Declared = new();

    public ValidateOptionsResult Validate(string? name, PostgreSqlHttpCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = string.IsNullOrEmpty(name) ? "The PostgreSQL HTTP cache" : $"The PostgreSQL HTTP cache '{name}'";
        var builder = new ValidateOptionsResultBuilder();
        void Fail(string option, string problem) =>
            builder.AddError($"{store}: {nameof(PostgreSqlHttpCacheOptions)}.{option} {problem}", option);

        // Each failure of the generated validator reads "Member: The field PostgreSqlHttpCacheOptions.Member must …".
        foreach (var failure in Declared.Validate(null, options).Failures ?? [])
        {
            var colon = failure.IndexOf(": ", StringComparison.Ordinal);
            builder.AddError($"{store}: {(colon > 0 ? failure[(colon + 2)..] : failure)}", colon > 0 ? failure[..colon] : null);
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException)
            {
                // Not Npgsql's message: the "keyword" it names can be the tail of a password with a ';' in it, unquoted.
                Fail(nameof(options.ConnectionString), "is not a valid Npgsql connection string: a keyword Npgsql does not know, or a value that needs quoting (quote values that contain ';' or '=').");
            }
        }

        const string IdentifierRule = "must be a plain identifier: a letter or underscore, then letters, digits or underscores, 63 at most";
        if (!PostgreSqlIdentifier.IsValid(options.SchemaName))
        {
            Fail(nameof(options.SchemaName), $"is '{options.SchemaName}'; it {IdentifierRule}.");
        }
        else if (options.SchemaName.StartsWith("pg_", StringComparison.OrdinalIgnoreCase))
        {
            Fail(nameof(options.SchemaName), $"is '{options.SchemaName}'; names starting with pg_ are reserved by PostgreSQL.");
        }

        if (!PostgreSqlIdentifier.IsValid(options.TableName))
        {
            Fail(nameof(options.TableName), $"is '{options.TableName}'; it {IdentifierRule}.");
        }
        else if (string.Equals(options.TableName, CacheTable.MigrationsTableName, StringComparison.Ordinal))
        {
            Fail(nameof(options.TableName), $"must not be '{CacheTable.MigrationsTableName}', the store's own table of schema versions.");
        }

        if (options.ExpiredItemsDeletionInterval != Timeout.InfiniteTimeSpan
            && (options.ExpiredItemsDeletionInterval < TimeSpan.FromSeconds(1) || options.ExpiredItemsDeletionInterval > MaxDeletionInterval))
        {
            Fail(nameof(options.ExpiredItemsDeletionInterval), $"must be between 1 second and 1 day, or Timeout.InfiniteTimeSpan to turn the sweep off (it is {options.ExpiredItemsDeletionInterval}).");
        }

        if (options.MaxSize is { } maxSize && maxSize is < MinMaxSize or > MaxMaxSize)
        {
            Fail(nameof(options.MaxSize), $"must be between {MinMaxSize} bytes (1 MiB) and {MaxMaxSize} bytes (1 TiB), or null for no bound (it is {maxSize}).");
        }

        if (options.MaxValueSize is < MinMaxValueSize or > MaxMaxValueSize)
        {
            Fail(nameof(options.MaxValueSize), $"must be between {MinMaxValueSize} bytes (64 KiB) and {MaxMaxValueSize} bytes, PostgreSQL's largest bytea (it is {options.MaxValueSize}).");
        }

        if (options.MaxRows is { } maxRows && maxRows is < 1 or > MaxMaxRows)
        {
            Fail(nameof(options.MaxRows), $"must be between 1 and {MaxMaxRows}, or null for no bound (it is {maxRows}).");
        }

        if (options.DefaultSlidingExpiration <= TimeSpan.Zero)
        {
            Fail(nameof(options.DefaultSlidingExpiration), $"must be positive (it is {options.DefaultSlidingExpiration}).");
        }

        return builder.Build();
    }
}
