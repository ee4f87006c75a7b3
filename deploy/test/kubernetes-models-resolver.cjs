// Jest resolver for the deploy tests: kubernetes-models and @kubernetes-models/* are ESM-only packages whose
// `exports` offer only an `import` condition, which jest's CommonJS resolution does not ask for. Their files are
// resolved with the `import` condition (and compiled to CommonJS by the project's transform); everything else
// resolves as usual.
const ESM_ONLY = /^(kubernetes-models|@kubernetes-models\/[^/]+)(\/|$)/;

module.exports = (request, options) =>
  options.defaultResolver(
    request,
    ESM_ONLY.test(request) ? { ...options, conditions: ['import', 'default'] } : options,
  );
