using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace HttpCaching.Internal;

/// <summary>
/// Binds configuration sections to options strictly: a key that names no setting, or a value that does not convert,
/// is an error whose message names the full configuration path.
/// </summary>
internal static class ConfigurationSections
{
    public const string Root = "HttpCaching";
    public const string Defaults = "Defaults";
    public const string Clients = "Clients";
    public const string Integrity = "Integrity";
    public const string IntegrityPath = $"{Root}:{Integrity}";
    public const string IntegrityKeysPath = $"{IntegrityPath}:{nameof(HttpCachingIntegrityOptions.Keys)}";

    public static string ClientPath(string clientName) => $"{Root}:{Clients}:{clientName}";

    public static void Bind(IConfigurationSection section, object target, List<string> errors, params string[] reservedKeys)
    {
        if (!section.Exists())
        {
            return;
        }

        var known = Settings(target.GetType());
        foreach (var child in section.GetChildren())
        {
            if (reservedKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var property = Array.Find(known, p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                errors.Add($"{child.Path} is not a known setting. Known settings: {string.Join(", ", known.Select(p => p.Name))}.");
            }
            else if (IsStringList(property.PropertyType))
            {
                BindList(child, (IList<string>)property.GetValue(target)!, errors);
            }
            else if (IsNested(property.PropertyType))
            {
                BindNested(child, property.GetValue(target)!, errors);
            }
            else
            {
                try
                {
                    BindProperty(child, target);
                }
                catch (InvalidOperationException ex)
                {
                    errors.Add(ex.Message.Contains(child.Path, StringComparison.OrdinalIgnoreCase) ? ex.Message : $"{child.Path}: {ex.Message}");
                }
            }
        }
    }

    /// <summary>
    /// The settings configuration can hold: writable scalars, read-only lists of strings and read-only nested options
    /// objects of this library. Delegates such as ValidateResponse are set in code only.
    /// </summary>
    private static PropertyInfo[] Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite ? IsScalar(p.PropertyType) : p.CanRead && (IsStringList(p.PropertyType) || IsNested(p.PropertyType)))
            .ToArray();

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal);
    }

    private static bool IsStringList(Type type) => type == typeof(IList<string>);

    private static bool IsNested(Type type) =>
        type.IsClass && type.Assembly == typeof(ConfigurationSections).Assembly && !typeof(Delegate).IsAssignableFrom(type);

    private static void BindNested(IConfigurationSection section, object target, List<string> errors)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            errors.Add($"{section.Path} is a section, not a value. Known settings: {string.Join(", ", Settings(target.GetType()).Select(p => p.Name))}.");
            return;
        }

        Bind(section, target, errors);
    }

    /// <summary>
    /// Replaces the list with the section's array elements, in index order. Element values are never quoted in
    /// messages, because a list may hold secrets such as keys.
    /// </summary>
    private static void BindList(IConfigurationSection section, IList<string> list, List<string> errors)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            errors.Add($"{section.Path} must be an array: set {section.Path}:0, {section.Path}:1 and so on.");
            return;
        }

        var elements = new List<(int Index, string Value)>();
        var valid = true;
        foreach (var element in section.GetChildren())
        {
            if (!int.TryParse(element.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                errors.Add($"{element.Path} is not an array element: the elements of {section.Path} are numbered 0, 1, 2 and so on.");
                valid = false;
            }
            else if (element.GetChildren().Any())
            {
                errors.Add($"{element.Path} must be a value, not a section.");
                valid = false;
            }
            else
            {
                elements.Add((index, element.Value ?? ""));
            }
        }

        if (valid)
        {
            list.Clear();
            foreach (var (_, value) in elements.OrderBy(e => e.Index))
            {
                list.Add(value);
            }
        }
    }

    private static void BindProperty(IConfigurationSection child, object target)
    {
        var property = target.GetType().GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)!;
        object? value;
        if (property.PropertyType == typeof(string))
        {
            // An empty value (JSON null) resets an optional string setting.
            value = string.IsNullOrEmpty(child.Value) ? null : child.Value;
        }
        else if (string.IsNullOrWhiteSpace(child.Value))
        {
            throw new InvalidOperationException($"{child.Path} needs a value of type {property.PropertyType.Name}.");
        }
        else
        {
            value = child.Get(property.PropertyType);
        }

        property.SetValue(target, value);
    }
}
