// The reference storefront's page behaviour (no inline scripts: the CSP forbids them).
// Choosing a store view in the header switches to it at once.
document.addEventListener('change', function (e) {
  if (e.target && e.target.id === 'store-switch' && e.target.form) {
    e.target.form.submit();
  }
});
