module.exports = {
  // Prettier configuration provided by Grafana scaffolding, with the project's width and trailing commas.
  ...require('./.config/.prettierrc.js'),
  printWidth: 110,
  trailingComma: 'all',
};
