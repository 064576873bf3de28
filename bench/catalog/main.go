// Command catalog drives the catalogue benchmark of bench/catalog.sh
// (issue 6): it generates realistic French datasets, seeds them through
// the API, times package_search server-side and over loopback HTTP,
// harvests the catalogue as udata and CKAN harvesters do, serves fixed
// bytes with a bare gin handler for wrk's reference, and checks every
// figure against its target.
//
//	catalog stats  [-n 100000]                       vocabulary check: share of datasets each query word matches
//	catalog seed   -url URL -token T -n N [-c 8]     create the 200 organisations and datasets [from, n)
//	catalog search -data-dir D | -database-url U     server-side package_search percentiles
//	catalog http   -url URL                          the same queries over HTTP
//	catalog list   -url URL -pid PID                 package_list: time and server RSS
//	catalog dcat   -url URL -pid PID                 DCAT harvest through /catalog.ttl pages
//	catalog ckan   -url URL -pid PID [-c 4]          CKAN harvest: package_list + package_show each
//	catalog bare   -addr A -path P -body FILE        bare gin serving FILE at P
//	catalog rss    -pid PID -out FILE                sample server RSS until killed
//	catalog report RESULTS.tsv                       figures against targets; exit 1 on a miss
//	catalog org    [-rank 0]                         name of the organisation of that size rank
//	catalog pgdb   -database-url U                   recreate an empty PostgreSQL database, print its URL
//
// Figures are written to stdout as tab-separated lines: key, value, unit.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: catalog stats|seed|search|http|list|dcat|ckan|bare|rss|report|org|pgdb [flags]")
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"stats": stats, "seed": seed, "search": search, "http": httpSearch, "list": list,
		"dcat": dcatHarvest, "ckan": ckanHarvest, "bare": bare, "rss": rssSampler, "report": report, "pgdb": pgdb, "org": orgName,
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintln(os.Stderr, "catalog: unknown command", os.Args[1])
		os.Exit(2)
	}
	if err := cmd(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "catalog "+os.Args[1]+":", err)
		os.Exit(1)
	}
}

// figure prints one result line.
func figure(key string, value float64, unit string) {
	fmt.Printf("%s\t%.4g\t%s\n", key, value, unit)
}
