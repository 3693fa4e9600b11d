//go:build race

package main

// raceEnabled: the race detector slows everything several times over, so
// tests that bound a wait skip under it.
const raceEnabled = true
