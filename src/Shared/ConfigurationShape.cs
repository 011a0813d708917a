using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// The keys a configuration section may hold for one options type, and the shape of each. The configuration binder
/// binds the values; this names, by its full path, every key the binder would reject without saying where, or would
/// skip without a word: a key that names no setting, a section where a value belongs (or the reverse), an empty value
/// for a setting that needs one, and an array that is not numbered. It needs no reflection, so it trims.
/// </summary>
/// <remarks>
/// One source file, linked into each package that binds options from configuration (the handler and every store
/// package, which must each stand alone): <c>&lt;Compile Include="..\Shared\ConfigurationShape.cs" Link="Internal\ConfigurationShape.cs" /&gt;</c>.
/// A package's own shapes are built where its options are, with the noun its messages use ("setting", "option").
/// </remarks>
internal sealed partial class ConfigurationShape(string noun)
{
    private readonly List<(string Name, SettingKind Kind, ConfigurationShape? Section, string? NullHint)> _settings = [];

    private enum SettingKind
    {
        /// <summary>A value that must not be empty: a number, a duration, a flag.</summary>
        Value,

        /// <summary>A string, which may be empty.</summary>
        Text,

        /// <summary>A value that JSON <c>null</c> (a key with no value) leaves unset; an empty string is a mistake.</summary>
        Nullable,

        /// <summary>An array of strings, numbered 0, 1, 2 and so on.</summary>
        List,

        /// <summary>A nested section of its own shape.</summary>
        Section,
    }

    /// <summary>The names of the settings, in declaration order.</summary>
    public IEnumerable<string> Names => _settings.Select(s => s.Name);

    /// <summary>
    /// Adds an error to <paramref name="errors"/> for every key of <paramref name="section"/> that the shape does not
    /// allow. List elements are never quoted in messages, because a list may hold secrets such as keys.
    /// </summary>
    /// <returns><see langword="true"/> when the section has the shape, so it can be bound.</returns>
    public bool Check(IConfigurationSection section, List<string> errors)
    {
        var before = errors.Count;
        foreach (var child in section.GetChildren())
        {
            var (name, kind, nested, nullHint) = _settings.Find(s => string.Equals(s.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                errors.Add($"{child.Path} is not a known {noun}. Known {noun}s: {string.Join(", ", Names)}.");
            }
            else if (kind == SettingKind.Section)
            {
                if (!string.IsNullOrEmpty(child.Value))
                {
                    errors.Add($"{child.Path} is a section, not a value. Known {nested!.Noun}s: {string.Join(", ", nested.Names)}.");
                }
                else
                {
                    nested!.Check(child, errors);
                }
            }
            else if (kind == SettingKind.List)
            {
                CheckList(child, errors);
            }
            else if (child.GetChildren().Any())
            {
                errors.Add($"{child.Path} must be a value, not a section.");
            }
            else if (kind == SettingKind.Value && string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path} needs a value.");
            }
            else if (kind == SettingKind.Nullable && child.Value is not null && string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path} needs a value, or null {nullHint}.");
            }
        }

        return errors.Count == before;
    }

    /// <summary>
    /// Checks <paramref name="section"/>, then binds it with <paramref name="bind"/> (a call of the binder's
    /// <c>Bind</c> with <c>ErrorOnUnknownConfiguration</c>, made where the options type is known, so its source generator
    /// serves it), and throws every error found, each prefixed with <paramref name="subject"/>.
    /// </summary>
    /// <exception cref="OptionsValidationException">The section has keys the shape does not allow, or a value that does not convert.</exception>
    public void Bind(IConfigurationSection section, Action bind, string name, Type optionsType, string subject)
    {
        var errors = new List<string>();
        if (Check(section, errors))
        {
            try
            {
                bind();
            }
            catch (InvalidOperationException ex)
            {
                errors.Add(Describe(section, ex));
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, optionsType, errors.Select(e => $"{subject}: {e}"));
        }
    }

    /// <summary>
    /// The binder's message for a value that does not convert names its path already; any other names the section.
    /// </summary>
    public static string Describe(IConfigurationSection section, InvalidOperationException exception) =>
        exception.Message.Contains(section.Path, StringComparison.OrdinalIgnoreCase) ? exception.Message : $"{section.Path}: {exception.Message}";

    /// <summary>
    /// Whether <paramref name="section"/> sets the list named <paramref name="name"/> at all, even to an empty array
    /// (JSON <c>[]</c> arrives as the key with an empty value), so that it replaces the list set in code.
    /// </summary>
    public static bool SetsList(IConfigurationSection section, string name) =>
        section.GetChildren().Any(c => string.Equals(c.Key, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A value that must not be empty: a number, a duration, a flag.</summary>
    public ConfigurationShape Value(string name) => Add(name, SettingKind.Value);

    /// <summary>A string, which may be empty.</summary>
    public ConfigurationShape Text(string name) => Add(name, SettingKind.Text);

    /// <summary>
    /// A value that JSON <c>null</c> leaves unset; an empty string is an error that ends "…, or null
    /// <paramref name="nullHint"/>." (for example "for no bound").
    /// </summary>
    public ConfigurationShape Nullable(string name, string nullHint)
    {
        _settings.Add((name, SettingKind.Nullable, null, nullHint));
        return this;
    }

    /// <summary>An array of strings, numbered 0, 1, 2 and so on.</summary>
    public ConfigurationShape List(string name) => Add(name, SettingKind.List);

    /// <summary>A nested section of its own shape.</summary>
    public ConfigurationShape Section(string name, ConfigurationShape section)
    {
        _settings.Add((name, SettingKind.Section, section, null));
        return this;
    }

    private string Noun => noun;

    private static void CheckList(IConfigurationSection list, List<string> errors)
    {
        if (!string.IsNullOrEmpty(list.Value))
        {
            errors.Add($"{list.Path} must be an array: set {list.Path}:0, {list.Path}:1 and so on.");
            return;
        }

        foreach (var element in list.GetChildren())
        {
            if (!int.TryParse(element.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"{element.Path} is not an array element: the elements of {list.Path} are numbered 0, 1, 2 and so on.");
            }
            else if (element.GetChildren().Any())
            {
                errors.Add($"{element.Path} must be a value, not a section.");
            }
            else if (string.IsNullOrEmpty(element.Value))
            {
                errors.Add($"{element.Path} is empty.");
            }
        }
    }

    private ConfigurationShape Add(string name, SettingKind kind)
    {
        _settings.Add((name, kind, null, null));
        return this;
    }
}
