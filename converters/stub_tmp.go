package converters

import "io"

func openXLSX(ra io.ReaderAt, size int64, opts Options) (workbook, error) {
	return nil, errorf(KindUnsupported, nil, "XLSX files are not read yet.")
}

func openODS(ra io.ReaderAt, size int64, opts Options) (workbook, error) {
	return nil, errorf(KindUnsupported, nil, "ODS files are not read yet.")
}
