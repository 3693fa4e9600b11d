// Package bench measures the hub at network scale against what PostgreSQL
// itself does on the same machine, in the same run: ingest against COPY,
// digest building against one aggregate, delivery against bare HTTP posts,
// page latency at a fixed rate, peak memory, and a 90-day simulation of the
// messages a payer receives with and without bundling. It drives the
// product's own code paths (the HTTP handler, the vendor store, the bundler,
// River and the SendGrid sender); `duehub bench` is its command.
package bench
