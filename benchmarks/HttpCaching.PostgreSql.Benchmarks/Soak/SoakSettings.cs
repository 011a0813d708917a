using System.Globalization;

namespace HttpCaching.PostgreSql.Benchmarks.Soak;

/// <summary>
/// The arguments of <c>soak</c>: <c>--seconds N</c> (the whole run, about 170 by default; every phase is scaled to it)
/// and <c>--think-ms N</c> (each caller's pause between two requests, 5 by default, so that the run does not take every
/// core of a shared machine; 0 sends the next request at once) and <c>--connection-options "k=v;…"</c> (Npgsql
/// connection string keywords added to the throwaway server's, such as <c>Cancellation Timeout=-1</c>).
/// </summary>
internal sealed record SoakSettings(TimeSpan Total, TimeSpan Think, string ConnectionOptions)
{
    public static readonly TimeSpan DefaultTotal = TimeSpan.FromSeconds(170);

    public static readonly TimeSpan DefaultThink = TimeSpan.FromMilliseconds(5);

    /// <summary>Reads the arguments that follow <c>soak</c>; returns null and says why when one is wrong.</summary>
    public static SoakSettings? Parse(IReadOnlyList<string> args, out string error)
    {
        var total = DefaultTotal;
        var think = DefaultThink;
        var connectionOptions = string.Empty;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--connection-options" && i + 1 < args.Count)
            {
                connectionOptions = args[++i];
                continue;
            }

            if ((name is "--seconds" or "--think-ms") && i + 1 < args.Count
                && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
            {
                if (name == "--seconds")
                {
                    total = TimeSpan.FromSeconds(value);
                }
                else
                {
                    think = TimeSpan.FromMilliseconds(value);
                }

                i++;
                continue;
            }

            error = $"Unknown or incomplete soak argument '{name}'. Usage: soak [--seconds N] [--think-ms N] [--connection-options \"k=v;...\"]";
            return null;
        }

        if (total < TimeSpan.FromSeconds(10))
        {
            error = "--seconds must be at least 10.";
            return null;
        }

        error = string.Empty;
        return new SoakSettings(total, think, connectionOptions);
    }
}
