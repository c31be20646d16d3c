"""Page scripts run by st.navigation (a package so non-editable installs ship them)."""
