// theme-init.js - applies the saved theme before the first paint (a classic
// script in <head>, so there is no light flash in dark mode). The toggle
// itself lives in app.js.
(function () {
  try {
    var t = window.localStorage.getItem('ps-theme');
    if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
  } catch (e) {
    /* storage disabled: follow the system setting */
  }
}());
